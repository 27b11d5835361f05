"""PATCH /api/droids/{id}/active: every state change by every role, the session each legal one
records, and the engine's close task a reset or a close sends after commit."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings
from django.utils import timezone
from redis import Redis
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.droids.models import DroidActive, DroidSession, SessionStatus
from apps.droids.services import CLOSE_POSITIONS_TASK, SESSION_STATUS
from tests.droids.conftest import assert_error
from tests.droids.factories import DroidFactory, DroidSessionFactory

pytestmark = pytest.mark.django_db

STATES = list(DroidActive)
# The legal changes (issue 14), written out here rather than read from the code under test.
LEGAL = {(0, 1), (1, 0), (0, 2), (1, 2), (0, 3), (1, 3), (2, 1), (2, 0)}


@pytest.fixture
def broker():
    """The Celery queue in the test Redis: what was sent, read back as a worker would get it."""
    redis = Redis.from_url(settings.CELERY_BROKER_URL)
    redis.delete("celery")

    def sent() -> list[tuple[str, list]]:
        messages = [json.loads(raw) for raw in redis.lrange("celery", 0, -1)]
        return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]

    yield sent
    redis.delete("celery")


def droid_in(state: int, owner):
    owner = {"owner": owner} if owner is not None else {}
    droid = DroidFactory(**owner, active=state, paused_reason="gas budget spent", consecutive_failures=4)
    DroidSessionFactory(droid=droid, status=SESSION_STATUS[state])
    return droid


def expected(role: str, current: int, target: int) -> int:
    if role == Role.VIEWER or (target in (DroidActive.RESET, DroidActive.CLOSED) and role != Role.ADMIN):
        return 403
    return 200 if (current, target) in LEGAL else 409


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.VIEWER])
@pytest.mark.parametrize("current", STATES)
@pytest.mark.parametrize("target", STATES)
def test_every_change_by_every_role(client_as, broker, django_capture_on_commit_callbacks, role, current, target):
    client = client_as(role)
    droid = droid_in(current, client.user)
    before = DroidSession.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(f"/api/droids/{droid.id}/active", {"active": int(target)})

    status = expected(role, current, target)
    droid.refresh_from_db()
    if status != 200:
        assert_error(response, status)
        assert droid.active == current
        assert list(DroidSession.objects.all()) == [before] and before.stopped_at is None
        assert broker() == []
        return
    assert response.json() == {"id": droid.id, "active": int(target)}
    assert droid.active == target
    before.refresh_from_db()
    opened = DroidSession.objects.get(stopped_at__isnull=True)
    assert (opened.status, opened.started_by, opened.reason) == (SESSION_STATUS[target], client.user, "")
    assert before.stopped_at == opened.started_at
    closes = target in (DroidActive.RESET, DroidActive.CLOSED)
    assert broker() == ([(CLOSE_POSITIONS_TASK, [droid.id])] if closes else [])


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (DroidActive.RUNNING, DroidActive.RUNNING, "already running"),
        (DroidActive.PAUSED, DroidActive.PAUSED, "already paused"),
        (DroidActive.RESET, DroidActive.RESET, "already reset"),
        (DroidActive.CLOSED, DroidActive.PAUSED, "closed: closing is final"),
        (DroidActive.CLOSED, DroidActive.CLOSED, "closed: closing is final"),
        (DroidActive.RESET, DroidActive.CLOSED, "A reset droid cannot be set closed"),
    ],
)
def test_a_refused_change_says_why(client_as, current, target, message):
    admin = client_as(Role.ADMIN)
    droid = droid_in(current, admin.user)

    assert_error(admin.patch(f"/api/droids/{droid.id}/active", {"active": int(target)}), 409, message)


def test_running_clears_why_the_engine_paused_it(operator):
    droid = droid_in(DroidActive.PAUSED, operator.user)

    assert operator.patch(f"/api/droids/{droid.id}/active", {"active": 1}).status_code == 200

    droid.refresh_from_db()
    assert (droid.paused_reason, droid.consecutive_failures) == ("", 0)


def test_pausing_keeps_why_the_engine_paused_it(operator):
    droid = droid_in(DroidActive.RUNNING, operator.user)

    assert operator.patch(f"/api/droids/{droid.id}/active", {"active": 0}).status_code == 200

    droid.refresh_from_db()
    assert (droid.paused_reason, droid.consecutive_failures) == ("gas budget spent", 4)


def test_the_sessions_read_as_the_droids_story(operator):
    droid = DroidFactory(owner=operator.user)
    DroidSessionFactory(droid=droid, status=SessionStatus.PAUSED, started_at=timezone.now())
    for state in (1, 0, 1):
        assert operator.patch(f"/api/droids/{droid.id}/active", {"active": state}).status_code == 200

    sessions = operator.get(f"/api/droids/{droid.id}").json()["sessions"]

    assert [s["status"] for s in sessions] == ["RUNNING", "PAUSED", "RUNNING", "PAUSED"]
    assert [s["startedBy"] for s in sessions] == [operator.user.email] * 3 + [None]
    assert sessions[0]["stoppedAt"] is None and all(s["stoppedAt"] for s in sessions[1:])


def test_an_operator_cannot_change_another_users_droid(operator):
    theirs = droid_in(DroidActive.PAUSED, None)

    assert_error(operator.patch(f"/api/droids/{theirs.id}/active", {"active": 1}), 404)
    theirs.refresh_from_db()
    assert theirs.active == DroidActive.PAUSED


def test_an_admin_changes_another_users_droid(client_as):
    admin = client_as(Role.ADMIN)
    theirs = droid_in(DroidActive.RUNNING, None)

    assert admin.patch(f"/api/droids/{theirs.id}/active", {"active": 0}).status_code == 200
    assert DroidSession.objects.get(stopped_at__isnull=True).started_by == admin.user


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"active": 4}, "active"),
        ({"active": -1}, "active"),
        ({"active": "1"}, "Not a valid integer"),
        ({"active": True}, "Not a valid integer"),
        ({}, "active"),
        ({"active": 1, "reason": "x"}, "Unknown field"),
    ],
)
def test_a_bad_state_is_a_400(operator, body, fragment):
    droid = droid_in(DroidActive.PAUSED, operator.user)

    assert_error(operator.patch(f"/api/droids/{droid.id}/active", body), 400, fragment)
    droid.refresh_from_db()
    assert droid.active == DroidActive.PAUSED


def test_changing_a_state_needs_a_signed_in_user(db):
    droid = droid_in(DroidActive.PAUSED, None)

    assert_error(APIClient().patch(f"/api/droids/{droid.id}/active", {"active": 1}, format="json"), 401)
