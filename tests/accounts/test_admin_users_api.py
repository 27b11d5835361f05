"""Seed 004's /api/admin/users: ADMIN only; role and status."""

import uuid

import pytest

from apps.accounts.models import Role, Status, User
from tests.accounts.factories import PASSWORD, UserFactory, bearer, sign_in

pytestmark = pytest.mark.django_db


def test_an_admin_lists_every_user(api, admin_user):
    pending = UserFactory(status=Status.PENDING, role="VIEWER")
    response = api.get("/api/admin/users", **bearer(sign_in(admin_user)))
    assert response.status_code == 200
    users = {u["userId"]: u for u in response.json()["users"]}
    assert users[str(pending.id)]["status"] == "PENDING"
    assert set(users[str(admin_user.id)]) >= {"userId", "email", "role", "status", "createdAt"}


def test_an_admin_approves_a_pending_user_with_a_role(api, admin_user):
    pending = UserFactory(status=Status.PENDING, role="VIEWER")
    response = api.patch(
        f"/api/admin/users/{pending.id}",
        {"role": "OPERATOR", "status": "ACTIVE"},
        format="json",
        **bearer(sign_in(admin_user)),
    )
    assert response.status_code == 200
    assert response.json()["user"]["role"] == "OPERATOR"
    assert response.json()["user"]["status"] == "ACTIVE"
    pending.refresh_from_db()
    assert pending.is_active


def test_suspending_through_the_api_ends_the_users_sessions(api, admin_user, user):
    victim = sign_in(user)
    api.patch(f"/api/admin/users/{user.id}", {"status": "SUSPENDED"}, format="json", **bearer(sign_in(admin_user)))
    assert api.get("/api/auth/me", **bearer(victim)).status_code == 401


def test_a_non_admin_is_forbidden(api, user):
    response = api.get("/api/admin/users", **bearer(sign_in(user)))
    assert response.status_code == 403
    assert response.json() == {"error": "Only admins may do this.", "code": "403"}
    patch = api.patch(f"/api/admin/users/{user.id}", {"role": "ADMIN"}, format="json", **bearer(sign_in(user)))
    assert patch.status_code == 403


def test_anonymous_is_401(api):
    assert api.get("/api/admin/users").status_code == 401


def test_an_unknown_user_is_404(api, admin_user):
    response = api.patch(
        f"/api/admin/users/{uuid.uuid4()}", {"status": "ACTIVE"}, format="json", **bearer(sign_in(admin_user))
    )
    assert response.status_code == 404
    assert response.json() == {"error": "No such user.", "code": "404"}


def test_a_malformed_user_id_is_404_in_the_envelope(api, admin_user):
    response = api.patch("/api/admin/users/cm1abc", {"status": "ACTIVE"}, format="json", **bearer(sign_in(admin_user)))
    assert response.status_code == 404
    assert response.json()["code"] == "404"


@pytest.mark.parametrize("body", [{"role": "GOD"}, {"status": "ASLEEP"}, {}])
def test_bad_values_are_400(api, admin_user, user, body):
    response = api.patch(f"/api/admin/users/{user.id}", body, format="json", **bearer(sign_in(admin_user)))
    assert response.status_code == 400
    assert response.json()["code"] == "400"


def test_an_admin_cannot_lock_themselves_out(api, admin_user):
    response = api.patch(
        f"/api/admin/users/{admin_user.id}", {"status": "SUSPENDED"}, format="json", **bearer(sign_in(admin_user))
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_a_pending_user_reads_role_pending_while_the_stored_role_is_what_approval_grants(api, admin_user):
    api.post("/api/auth/register", {"email": "trader@havencap.io", "password": PASSWORD}, format="json")
    stored = User.objects.get(email="trader@havencap.io")
    assert (stored.role, stored.status) == (Role.OPERATOR, Status.PENDING)

    users = api.get("/api/admin/users", **bearer(sign_in(admin_user))).json()["users"]
    listed = next(u for u in users if u["email"] == "trader@havencap.io")
    assert (listed["role"], listed["status"]) == ("PENDING", "PENDING")


def test_the_seeds_example_approves_and_assigns_operator(api, admin_user):
    pending = UserFactory(email="trader@havencap.io", status=Status.PENDING, role=Role.VIEWER)
    response = api.patch(
        f"/api/admin/users/{pending.id}",
        {"role": "OPERATOR", "status": "ACTIVE"},
        format="json",
        **bearer(sign_in(admin_user)),
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert {k: user[k] for k in ("userId", "email", "role", "status")} == {
        "userId": str(pending.id),
        "email": "trader@havencap.io",
        "role": "OPERATOR",
        "status": "ACTIVE",
    }


def test_approving_without_a_role_grants_the_stored_one(api, admin_user):
    pending = UserFactory(status=Status.PENDING, role=Role.OPERATOR)
    response = api.patch(
        f"/api/admin/users/{pending.id}", {"status": "ACTIVE"}, format="json", **bearer(sign_in(admin_user))
    )
    assert response.json()["user"]["role"] == "OPERATOR"


def test_a_role_change_on_a_pending_user_still_reads_pending_until_approval(api, admin_user):
    pending = UserFactory(status=Status.PENDING, role=Role.OPERATOR)
    response = api.patch(
        f"/api/admin/users/{pending.id}", {"role": "VIEWER"}, format="json", **bearer(sign_in(admin_user))
    )
    assert response.json()["user"]["role"] == "PENDING"
    pending.refresh_from_db()
    assert pending.role == Role.VIEWER


def test_an_admin_cannot_demote_themselves(api, admin_user):
    response = api.patch(
        f"/api/admin/users/{admin_user.id}", {"role": "OPERATOR"}, format="json", **bearer(sign_in(admin_user))
    )
    assert response.status_code == 403
    assert response.json() == {"error": "You cannot change your own role or status.", "code": "403"}
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN
