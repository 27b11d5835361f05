"""Seed 004's email auth under /api: register, login, logout, me, refresh."""

import pytest

from apps.accounts.models import AuthSession, Status
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PENDING_MESSAGE = "Registration successful. Your account is pending admin approval."


def register(api, email="first@example.com", password=PASSWORD):
    return api.post("/api/auth/register", {"email": email, "password": password}, format="json")


def test_the_first_user_becomes_an_active_admin_with_a_token(api):
    response = register(api)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "ADMIN"
    assert body["user"]["email"] == "first@example.com"
    assert body["user"]["createdAt"].endswith("Z")
    assert body["accessToken"]
    cookie = response.cookies["auth_token"]
    assert cookie["httponly"] and cookie["secure"]
    me = api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['accessToken']}")
    assert me.json()["user"]["userId"] == body["user"]["userId"]


def test_later_users_wait_for_approval(api):
    register(api)
    response = register(api, email="second@example.com")
    assert response.status_code == 201
    assert response.json() == {"message": PENDING_MESSAGE}
    assert "auth_token" not in response.cookies


def test_registering_a_taken_email_reveals_nothing_and_changes_nothing(api):
    register(api)
    response = register(api, email="FIRST@example.com", password="another-long-password-9")
    assert response.json() == {"message": PENDING_MESSAGE}
    login = api.post("/api/auth/login", {"email": "first@example.com", "password": PASSWORD}, format="json")
    assert login.status_code == 200


def test_register_rejects_a_weak_password_in_the_app_envelope(api):
    response = register(api, password="123")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "400"
    assert "too short" in body["error"]


def test_register_rejects_a_malformed_email(api):
    response = register(api, email="not-an-email")
    assert response.status_code == 400
    assert set(response.json()) >= {"error", "code"}
    assert "email" in response.json()["error"]


def test_login_returns_the_user_and_sets_the_httponly_cookie(api):
    user = UserFactory(email="trader@example.com")
    response = api.post("/api/auth/login", {"email": "trader@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "userId": str(user.id),
        "email": "trader@example.com",
        "walletAddress": None,
        "role": "OPERATOR",
        "status": "ACTIVE",
        "createdAt": body["user"]["createdAt"],
    }
    assert response.cookies["auth_token"].value == body["accessToken"]
    assert response.cookies["auth_token"]["httponly"]
    assert response.cookies["refresh_token"]["samesite"] == "Strict"
    # The cookie alone is enough for a browser.
    assert api.get("/api/auth/me").json()["user"]["email"] == "trader@example.com"


def test_login_is_case_insensitive_on_the_email(api):
    UserFactory(email="trader@example.com")
    response = api.post("/api/auth/login", {"email": " Trader@Example.COM ", "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api):
    UserFactory(email="trader@example.com")
    wrong = api.post("/api/auth/login", {"email": "trader@example.com", "password": "nope-nope-nope"}, format="json")
    unknown = api.post("/api/auth/login", {"email": "ghost@example.com", "password": "nope-nope-nope"}, format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "Invalid email or password.", "code": "401"}


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.PENDING, "Your account is pending admin approval."),
        (Status.SUSPENDED, "Your account has been suspended."),
    ],
)
def test_pending_and_suspended_users_get_403_with_the_reason(api, status, message):
    UserFactory(email="held@example.com", status=status)
    response = api.post("/api/auth/login", {"email": "held@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json() == {"error": message, "code": "403"}
    assert not AuthSession.objects.exists()


def test_login_without_a_body_is_a_400_not_a_500(api):
    response = api.post("/api/auth/login", "not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "400"


def test_me_without_credentials_is_401(api):
    response = api.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json() == {"error": "Authentication credentials were not provided.", "code": "401"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_garbage_bearer_token_is_401(api):
    response = api.get("/api/auth/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "401"


def test_logout_ends_the_session_and_clears_cookies(api):
    UserFactory(email="trader@example.com")
    login = api.post("/api/auth/login", {"email": "trader@example.com", "password": PASSWORD}, format="json")
    token = login.json()["accessToken"]
    response = api.post("/api/auth/logout")
    assert response.status_code == 200
    assert response.json() == {"message": "Logged out"}
    assert response.cookies["auth_token"].value == ""
    assert api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_post_refresh_rotates_the_cookie_and_returns_the_user(api):
    UserFactory(email="trader@example.com")
    login = api.post("/api/auth/login", {"email": "trader@example.com", "password": PASSWORD}, format="json")
    old_refresh = login.cookies["refresh_token"].value
    response = api.post("/api/auth/refresh")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "trader@example.com"
    assert response.cookies["refresh_token"].value != old_refresh
    assert response.cookies["auth_token"].value


def test_post_refresh_without_a_cookie_is_401(api):
    response = api.post("/api/auth/refresh")
    assert response.status_code == 401
    assert response.json()["code"] == "401"


def test_get_refresh_redirects_to_the_callback_with_a_fresh_cookie(api):
    UserFactory(email="trader@example.com")
    api.post("/api/auth/login", {"email": "trader@example.com", "password": PASSWORD}, format="json")
    response = api.get("/api/auth/refresh", {"callbackUrl": "/markets?tab=1"})
    assert response.status_code == 302
    assert response["Location"] == "/markets?tab=1"
    assert response.cookies["auth_token"].value


@pytest.mark.parametrize("callback", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_get_refresh_refuses_a_callback_to_another_origin(api, callback):
    response = api.get("/api/auth/refresh", {"callbackUrl": callback})
    assert response.status_code == 400
    assert response.json()["code"] == "400"


def test_get_refresh_without_a_session_sends_the_browser_to_sign_in(api):
    response = api.get("/api/auth/refresh", {"callbackUrl": "/markets"})
    assert response.status_code == 302
    assert response["Location"] == "/login?next=%2Fmarkets"


def test_a_user_no_longer_active_cannot_refresh_even_with_a_live_session(api):
    user = UserFactory(email="trader@example.com")
    api.post("/api/auth/login", {"email": "trader@example.com", "password": PASSWORD}, format="json")
    # Changed behind the services' back, so the session itself was not revoked.
    user.status = Status.SUSPENDED
    user.save()
    response = api.post("/api/auth/refresh")
    assert response.status_code == 403
    assert "auth_token" not in response.cookies
