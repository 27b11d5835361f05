"""The Django admin: approve and suspend actions, sessions and tokens without their secrets."""

import pytest

from apps.accounts.models import Status
from apps.accounts.services import create_api_token
from tests.accounts.factories import UserFactory, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.cookies["auth_token"] = sign_in(admin_user).access_token
    return client


def test_the_admin_sends_strangers_and_non_admins_to_the_platform_sign_in(client, user):
    anonymous = client.get("/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0] == "/login?next=/admin/"
    client.cookies["auth_token"] = sign_in(user).access_token
    operator = client.get("/admin/")
    assert operator.status_code == 302
    assert operator["Location"].startswith("/admin/login/")


def test_users_are_filtered_by_status(admin_client):
    UserFactory(email="waiting@example.com", status=Status.PENDING)
    UserFactory(email="working@example.com")
    page = admin_client.get("/admin/accounts/user/?status__exact=PENDING").content.decode()
    assert "waiting@example.com" in page
    assert "working@example.com" not in page


def test_the_approve_action_activates_pending_users(admin_client):
    pending = UserFactory(status=Status.PENDING, role="VIEWER")
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "approve", "_selected_action": [str(pending.pk)]}, follow=True
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Status.ACTIVE


def test_the_suspend_action_ends_the_users_sessions(admin_client, user, api):
    tokens = sign_in(user)
    admin_client.post("/admin/accounts/user/", {"action": "suspend", "_selected_action": [str(user.pk)]})
    user.refresh_from_db()
    assert user.status == Status.SUSPENDED
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}").status_code == 401


def test_sessions_and_tokens_are_listed_without_secrets(admin_client, user):
    tokens = sign_in(user)
    raw = create_api_token(user=user)
    sessions_page = admin_client.get("/admin/accounts/authsession/").content.decode()
    assert user.email in sessions_page
    assert tokens.refresh_token not in sessions_page and tokens.access_token not in sessions_page
    token_list = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert raw[:12] in token_list and raw not in token_list
    token_page = admin_client.get(f"/admin/accounts/apitoken/{user.api_token.pk}/change/").content.decode()
    assert user.api_token.token_hash not in token_page


def test_beat_schedules_are_editable_in_the_admin(admin_client):
    assert admin_client.get("/admin/django_celery_beat/periodictask/add/").status_code == 200
