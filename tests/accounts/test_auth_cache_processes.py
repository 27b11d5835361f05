"""Revocation across processes: each gunicorn worker answers for a session from its own auth
cache, and the first requests after a revocation made in another process (this one) are refused
by every worker."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.accounts.models import Role, Status, User
from apps.accounts.services import revoke_session, set_user_access
from tests.accounts.factories import UserFactory, sign_in
from tests.core.servers import BIN, LOOPBACK, Process, free_port, port_open

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

WORKERS = 2


@pytest.fixture(scope="module")
def web(django_db_setup, tmp_path_factory):
    port = free_port()
    argv = [str(BIN / "gunicorn"), "tests.accounts.worker_wsgi:application", "--bind", f"{LOOPBACK}:{port}"]
    argv += ["--workers", str(WORKERS), "--timeout", "60"]
    log = tmp_path_factory.mktemp("web") / "gunicorn.log"
    with Process("gunicorn", argv, log, ready=lambda: port_open(port)) as server:
        server.wait_ready(timeout=90)
        with httpx.Client(base_url=f"http://{LOOPBACK}:{port}", timeout=30) as client:
            yield client


def from_every_worker(web: httpx.Client, tokens, check: Callable[[httpx.Response], bool]) -> int:
    """Ask /api/v1/auth/me until every worker has answered twice; every answer must pass `check`.
    Returns how many answers that took."""
    auth = {"Authorization": f"Bearer {tokens.access_token}"}
    answers: dict[str, int] = {}
    asked = 0
    # Asked WORKERS at a time: one after another, the worker that has just answered is back in
    # accept() first and may take every request (398 to 1 was seen on a busy machine); while it
    # is busy with one, another worker takes the next.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for _ in range(200):
            for response in pool.map(lambda _: web.get("/api/v1/auth/me", headers=auth), range(WORKERS)):
                asked += 1
                assert check(response), (response.status_code, response.text)
                pid = response.headers["X-Worker-Pid"]
                answers[pid] = answers.get(pid, 0) + 1
            if len(answers) == WORKERS and min(answers.values()) >= 2:
                return asked
    raise AssertionError(f"not every worker answered: {answers}")


def says_role(role: str) -> Callable[[httpx.Response], bool]:
    return lambda response: response.status_code == 200 and response.json()["role"] == role


def refused(response: httpx.Response) -> bool:
    return response.status_code == 401


@pytest.fixture
def cached_in_every_worker(web):
    """A session every worker answers for from its cache: a role changed behind the services'
    back (announced to no one) is not seen."""
    user = UserFactory(role=Role.OPERATOR)
    tokens = sign_in(user)
    from_every_worker(web, tokens, says_role("OPERATOR"))
    User.objects.filter(pk=user.pk).update(role=Role.VIEWER)
    from_every_worker(web, tokens, says_role("OPERATOR"))
    return user, tokens


def test_a_session_revoked_here_is_refused_by_every_worker_at_once(web, cached_in_every_worker):
    _user, tokens = cached_in_every_worker
    revoke_session(session=tokens.session)
    from_every_worker(web, tokens, refused)


def test_a_user_suspended_here_is_refused_by_every_worker_at_once(web, cached_in_every_worker):
    user, tokens = cached_in_every_worker
    set_user_access(user=user, status=Status.SUSPENDED)
    from_every_worker(web, tokens, refused)


def test_a_role_changed_here_shows_in_every_worker_at_once(web, cached_in_every_worker):
    user, tokens = cached_in_every_worker
    set_user_access(user=user, role=Role.ADMIN)
    from_every_worker(web, tokens, says_role("ADMIN"))
