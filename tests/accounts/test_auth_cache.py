"""The auth cache (apps/accounts/auth_cache.py): a signed-in read finds its session and user in
the process's memory, and every service that revokes a session or changes a user takes effect
at once; a process that cannot be sure it hears every change reads the tables instead."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts import auth_cache, selectors
from apps.accounts.models import AuthSession, Role, Status, User
from apps.accounts.services import revoke_session, set_user_access
from tests.accounts.factories import UserFactory, bearer, sign_in

pytestmark = pytest.mark.django_db


def me(api, tokens):
    return api.get("/api/v1/auth/me", **bearer(tokens))


def queries_of(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, len(captured)


@pytest.fixture(autouse=True)
def _fresh_subscription():
    """Some tests below break this process's subscription on purpose."""
    yield
    auth_cache.unsubscribe()


@pytest.fixture
def warm(api, user):
    """A signed-in user whose session and user are cached (the second request read no table)."""
    tokens = sign_in(user)
    assert me(api, tokens).status_code == 200
    response, queries = queries_of(lambda: me(api, tokens))
    assert (response.status_code, queries) == (200, 0)
    return tokens


def test_a_signed_in_read_queries_the_tables_once_then_never(api, user):
    tokens = sign_in(user)
    assert queries_of(lambda: me(api, tokens))[1] == 1
    assert queries_of(lambda: me(api, tokens))[1] == 0
    assert queries_of(lambda: me(api, tokens))[1] == 0


def test_a_cached_session_is_refused_right_after_logout(api, warm):
    assert api.post("/api/v1/auth/logout", **bearer(warm)).status_code == 200
    assert me(api, warm).status_code == 401


def test_a_cached_session_is_refused_right_after_the_seed_004_logout(api, warm):
    assert api.post("/api/auth/logout", **bearer(warm)).status_code == 200
    assert me(api, warm).status_code == 401


def test_a_cached_session_is_refused_right_after_revoke_all(api, user, warm):
    other = sign_in(user, kind="EXTENSION")
    assert me(api, other).status_code == 200
    assert api.post("/api/v1/auth/revoke-all", **bearer(warm)).json() == {"revoked": 2}
    assert me(api, warm).status_code == 401
    assert me(api, other).status_code == 401


def test_a_cached_session_is_refused_right_after_its_revocation_from_elsewhere(api, warm):
    revoke_session(session=warm.session, reason="admin")
    assert me(api, warm).status_code == 401


def test_a_cached_session_is_refused_right_after_its_refresh_token_is_replayed(api, warm):
    api.cookies["refresh_token"] = warm.refresh_token
    assert api.post("/api/v1/auth/refresh").status_code == 200
    api.cookies["refresh_token"] = warm.refresh_token  # the stolen copy comes back
    assert api.post("/api/v1/auth/refresh").status_code == 401
    assert me(api, warm).status_code == 401


@pytest.mark.parametrize("status", [Status.SUSPENDED, Status.PENDING])
def test_a_cached_user_is_refused_right_after_leaving_active(api, user, warm, status):
    set_user_access(user=user, status=status)
    assert me(api, warm).status_code == 401


def test_a_role_change_shows_on_the_very_next_request(api, user, warm):
    set_user_access(user=user, role=Role.VIEWER)
    assert me(api, warm).json()["role"] == "VIEWER"
    admin = UserFactory(role=Role.ADMIN)
    set_user_access(user=user, role=Role.ADMIN, actor=admin)
    assert me(api, warm).json()["role"] == "ADMIN"


def test_the_admin_cannot_delete_a_user_who_has_a_session(client, user, warm):
    # What keeps a deleted user out of the cache: only a user without session rows (so without
    # an entry) can be deleted; the sessions' admin deletes nothing.
    client.cookies["auth_token"] = sign_in(UserFactory(role=Role.ADMIN)).access_token
    assert client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"}).status_code == 403
    body = {"action": "delete_selected", "_selected_action": [str(user.pk)], "post": "yes"}
    client.post("/admin/accounts/user/", body)
    assert User.objects.filter(pk=user.pk).exists()


def test_a_request_that_read_the_session_before_its_revocation_cannot_cache_it_again(api, user):
    tokens = sign_in(user)
    found, ticket = auth_cache.lookup(session_id=tokens.session.id, user_id=user.id)
    assert found is None and ticket is not None
    read_before = selectors._live_session_and_user(session_id=tokens.session.id, user_id=user.id)
    revoke_session(session=tokens.session)
    # The slow request now keeps what it read before the revocation committed.
    auth_cache.remember(ticket, session_id=tokens.session.id, user_id=user.id, found=read_before)
    assert me(api, tokens).status_code == 401


def test_a_revocation_that_cannot_be_announced_is_refused_and_changes_nothing(api, warm, monkeypatch):
    def redis_down(changes):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(auth_cache, "_publish", redis_down)
    response = api.post("/api/v1/auth/logout", **bearer(warm))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "CACHE_UNAVAILABLE"
    assert AuthSession.objects.get(pk=warm.session.pk).revoked_at is None


class Unreachable:
    def __getattr__(self, name):
        raise redis.ConnectionError("Connection refused")


def test_a_lost_subscription_sends_requests_to_the_tables_and_logs_once(api, warm, monkeypatch, caplog):
    with caplog.at_level(logging.INFO, logger="apps.accounts.auth_cache"):
        auth_cache._cache.pubsub = Unreachable()
        for _ in range(3):
            response, queries = queries_of(lambda: me(api, warm))
            assert (response.status_code, queries) == (200, 1)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    monkeypatch.setattr(auth_cache, "RETRY_SECONDS", 0)
    assert [queries_of(lambda: me(api, warm))[1] for _ in range(2)] == [1, 0]


def test_a_subscription_made_again_forgets_everything(api, warm, monkeypatch):
    monkeypatch.setattr(auth_cache, "RETRY_SECONDS", 0)
    auth_cache._cache.pubsub.connection.disconnect()  # as a Redis restart would
    counts = [queries_of(lambda: me(api, warm))[1] for _ in range(3)]
    assert counts[0] == 1 and counts[-1] == 0


def test_an_idle_process_checks_its_subscription_before_answering_from_its_cache(api, warm):
    auth_cache._cache.heard = time.monotonic() - auth_cache.SILENCE_SECONDS - 1
    assert queries_of(lambda: me(api, warm))[1] == 0


def test_a_subscription_that_stopped_answering_is_not_trusted(api, warm, monkeypatch):
    monkeypatch.setattr(auth_cache, "CONFIRM_SECONDS", 0.05)
    monkeypatch.setattr(auth_cache._cache.pubsub, "ping", lambda token=None: None)  # a peer gone silent
    auth_cache._cache.heard = time.monotonic() - auth_cache.SILENCE_SECONDS - 1
    assert queries_of(lambda: me(api, warm))[1] == 1


def test_no_entry_outlives_its_session(api, user, monkeypatch):
    tokens = sign_in(user)
    expiry = timezone.now() + timedelta(seconds=2)
    AuthSession.objects.filter(pk=tokens.session.pk).update(expires_at=expiry)
    assert [queries_of(lambda: me(api, tokens))[1] for _ in range(2)] == [1, 0]
    monkeypatch.setattr(timezone, "now", lambda: expiry)
    assert me(api, tokens).status_code == 401


def test_no_cache_when_it_is_turned_off(api, user, settings):
    settings.AUTH_CACHE_SECONDS = 0
    tokens = sign_in(user)
    assert [queries_of(lambda: me(api, tokens))[1] for _ in range(3)] == [1, 1, 1]
    revoke_session(session=tokens.session)
    assert me(api, tokens).status_code == 401


def test_the_principal_reads_every_user_field_but_the_password_and_last_login():
    names = [f.attname for f in User._meta.concrete_fields if f.attname not in ("password", "last_login")]
    assert names == selectors.USER_FIELDS


def test_a_subscription_it_cannot_poll_is_read_every_time():
    class Unfamiliar:
        connection = object()  # not redis-py's Python parser: no socket or buffer to poll

    cache = auth_cache._ProcessCache()
    cache.pubsub = Unfamiliar()
    assert cache.pending()
