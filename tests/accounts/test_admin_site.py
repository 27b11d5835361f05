"""The Django admin: approval with a role, role and status on the user page (under the API's
rules), suspension, sessions and tokens without their secrets."""

import pytest

from apps.accounts.models import Role, Status
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


def run_action(admin_client, action: str, *users):
    return admin_client.post(
        "/admin/accounts/user/", {"action": action, "_selected_action": [str(u.pk) for u in users]}, follow=True
    )


def change_user(admin_client, user, **fields):
    return admin_client.post(f"/admin/accounts/user/{user.pk}/change/", fields, follow=True)


def test_approve_as_operator_activates_pending_users_as_operators(admin_client):
    pending = UserFactory(status=Status.PENDING, role=Role.VIEWER)
    response = run_action(admin_client, "approve_as_operator", pending)
    assert "Approved 1 user(s) as OPERATOR." in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.role) == (Status.ACTIVE, Role.OPERATOR)


def test_approve_as_viewer_activates_pending_users_read_only(admin_client):
    pending = UserFactory(status=Status.PENDING, role=Role.OPERATOR)
    run_action(admin_client, "approve_as_viewer", pending)
    pending.refresh_from_db()
    assert (pending.status, pending.role) == (Status.ACTIVE, Role.VIEWER)


def test_approving_leaves_active_users_and_the_acting_admin_as_they_were(admin_client, admin_user):
    other_admin = UserFactory(role=Role.ADMIN)
    pending = UserFactory(status=Status.PENDING)
    response = run_action(admin_client, "approve_as_viewer", admin_user, other_admin, pending)
    assert "2 already active left as they were" in response.content.decode()
    other_admin.refresh_from_db()
    admin_user.refresh_from_db()
    assert other_admin.role == admin_user.role == Role.ADMIN
    pending.refresh_from_db()
    assert pending.role == Role.VIEWER


def test_the_user_page_edits_the_role_and_status(admin_client):
    pending = UserFactory(status=Status.PENDING, role=Role.OPERATOR)
    page = admin_client.get(f"/admin/accounts/user/{pending.pk}/change/").content.decode()
    assert '<select name="role"' in page and '<select name="status"' in page

    change_user(admin_client, pending, role=Role.VIEWER, status=Status.PENDING)
    pending.refresh_from_db()
    assert (pending.role, pending.status) == (Role.VIEWER, Status.PENDING)

    change_user(admin_client, pending, role=Role.OPERATOR, status=Status.ACTIVE)
    pending.refresh_from_db()
    assert (pending.role, pending.status) == (Role.OPERATOR, Status.ACTIVE)


def test_suspending_on_the_user_page_ends_the_users_sessions(admin_client, user, api):
    tokens = sign_in(user)
    change_user(admin_client, user, role=user.role, status=Status.SUSPENDED)
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}").status_code == 401


@pytest.mark.parametrize(("role", "status"), [(Role.OPERATOR, Status.ACTIVE), (Role.ADMIN, Status.SUSPENDED)])
def test_an_admin_cannot_change_their_own_role_or_status_on_their_page(admin_client, admin_user, role, status):
    response = change_user(admin_client, admin_user, role=role, status=status)
    assert "You cannot change your own role or status." in response.content.decode()
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.status) == (Role.ADMIN, Status.ACTIVE)


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
