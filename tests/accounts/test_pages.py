"""The server-rendered account pages: sign-in, registration, sign-out and /account."""

import re

import pytest
from django.test import Client

from apps.accounts.models import AuthSession, Status, User
from tests.accounts.factories import PASSWORD, UserFactory, sign_in

pytestmark = pytest.mark.django_db


def signed_in_client(user: User) -> tuple[Client, AuthSession]:
    tokens = sign_in(user)
    client = Client()
    client.cookies["auth_token"] = tokens.access_token
    client.cookies["refresh_token"] = tokens.refresh_token
    return client, tokens.session


def login(client: Client, email: str, password: str = PASSWORD, **query: str):
    path = "/login" + (f"?next={query['next']}" if "next" in query else "")
    return client.post(path, {"email": email, "password": password})


# --- sign in --------------------------------------------------------------------------------


def test_it_shows_the_sign_in_form_with_the_wallet_button(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'id="siwe-button"' in body
    assert "js/siwe.js" in body


def test_it_signs_in_sets_cookies_and_goes_to_the_trading_desk(client, user):
    response = login(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == "/trade"
    assert response.cookies["auth_token"]["httponly"]
    assert response.cookies["auth_token"]["secure"]
    assert response.cookies["refresh_token"].value
    assert client.get("/account").status_code == 200


def test_it_shows_the_login_error_without_revealing_the_email(client, user):
    wrong_password = login(client, user.email, "not-the-password")
    unknown_email = login(client, "nobody@example.com", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    for response in (wrong_password, unknown_email):
        assert "Invalid email or password." in response.content.decode()
        assert "auth_token" not in response.cookies


def test_it_follows_a_next_path_on_this_site(client, user):
    response = login(client, user.email, next="/admin/")
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/path", "/\\evil.example", "javascript:x"])
def test_it_ignores_a_next_that_leaves_the_site(client, user, target):
    response = client.post("/login", {"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/trade"


def test_it_sends_a_pending_user_to_the_pending_page(client):
    pending = UserFactory(status=Status.PENDING)
    response = login(client, pending.email)
    assert response["Location"] == "/pending"
    assert "auth_token" not in response.cookies


def test_it_tells_a_suspended_user_why_they_cannot_sign_in(client):
    suspended = UserFactory(status=Status.SUSPENDED)
    response = login(client, suspended.email)
    assert response.status_code == 403
    assert "Your account has been suspended." in response.content.decode()


def test_it_refuses_a_sign_in_post_without_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "auth_token" not in response.cookies


# --- register -------------------------------------------------------------------------------


def test_the_first_registration_becomes_an_admin_and_lands_on_the_account_page(client):
    response = client.post("/register", {"email": "first@example.com", "password": PASSWORD})
    assert response["Location"] == "/account"
    assert response.cookies["auth_token"].value
    page = client.get("/account").content.decode()
    assert "first@example.com" in page
    assert "ADMIN" in page


def test_a_later_registration_waits_for_approval(client, admin_user):
    response = client.post("/register", {"email": "second@example.com", "password": PASSWORD})
    assert response["Location"] == "/pending"
    assert "auth_token" not in response.cookies
    assert User.objects.get(email="second@example.com").status == Status.PENDING
    assert "waiting for approval" in client.get("/pending").content.decode()


def test_it_shows_password_validation_errors_on_the_form(client):
    response = client.post("/register", {"email": "first@example.com", "password": "123"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.exists()


# --- the login_required rules ---------------------------------------------------------------


def test_it_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=%2Faccount"


def test_it_sends_a_browser_with_a_refresh_cookie_through_the_refresh_flow(client):
    client.cookies["refresh_token"] = "some-refresh-token"
    response = client.get("/account")
    assert response["Location"] == "/api/auth/refresh?callbackUrl=%2Faccount"


def test_a_form_post_after_the_access_cookie_expired_comes_back_to_the_account_page(client):
    client.cookies["refresh_token"] = "some-refresh-token"
    response = client.post("/account/pairing-code")
    assert response["Location"] == "/api/auth/refresh?callbackUrl=%2Faccount"


def test_the_refresh_flow_brings_the_browser_back_signed_in(user):
    client, _ = signed_in_client(user)
    del client.cookies["auth_token"]
    response = client.get("/account", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/account"
    assert user.email in response.content.decode()


def test_it_sends_a_signed_in_user_who_is_not_active_to_pending(user):
    client, _ = signed_in_client(user)
    # Straight to the table: the approval services would end the session, which is not the case here.
    User.objects.filter(pk=user.pk).update(status=Status.PENDING)
    response = client.get("/account")
    assert response["Location"] == "/pending"


# --- the account page -----------------------------------------------------------------------


def test_it_lists_the_live_sessions_and_marks_this_one(user):
    client, current = signed_in_client(user)
    other = sign_in(user, kind="EXTENSION").session
    sign_in(UserFactory())  # someone else's session is not listed
    body = client.get("/account").content.decode()
    assert f"/account/sessions/{current.id}/revoke" in body
    assert f"/account/sessions/{other.id}/revoke" in body
    assert len(re.findall(r"/account/sessions/[0-9a-f-]{36}/revoke", body)) == 2
    assert "this device" in body
    assert "EXTENSION" in body


def test_revoking_a_session_ends_it_for_the_api(user, api):
    client, _ = signed_in_client(user)
    other = sign_in(user, kind="EXTENSION")
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {other.access_token}").status_code == 200
    response = client.post(f"/account/sessions/{other.session.id}/revoke")
    assert response["Location"] == "/account"
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {other.access_token}").status_code == 401
    assert client.get("/account").status_code == 200


def test_revoking_the_current_session_signs_out(user):
    client, current = signed_in_client(user)
    response = client.post(f"/account/sessions/{current.id}/revoke")
    assert response["Location"] == "/login"
    assert response.cookies["auth_token"].value == ""
    current.refresh_from_db()
    assert current.revoked_at is not None


def test_it_cannot_revoke_someone_elses_session(user):
    client, _ = signed_in_client(user)
    theirs = sign_in(UserFactory()).session
    assert client.post(f"/account/sessions/{theirs.id}/revoke").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- sign out -------------------------------------------------------------------------------


def test_signing_out_revokes_the_session_and_clears_the_cookies(user, api):
    client, session = signed_in_client(user)
    access = client.cookies["auth_token"].value
    response = client.post("/logout")
    assert response["Location"] == "/login"
    assert response.cookies["auth_token"].value == ""
    assert response.cookies["refresh_token"].value == ""
    session.refresh_from_db()
    assert session.revoked_at is not None
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


def test_sign_out_by_get_only_asks_for_confirmation(user):
    client, session = signed_in_client(user)
    response = client.get("/logout")
    assert response.status_code == 200
    assert 'action="/logout"' in response.content.decode()
    session.refresh_from_db()
    assert session.revoked_at is None


def test_it_refuses_a_sign_out_without_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.cookies["auth_token"] = sign_in(user).access_token
    assert client.post("/logout").status_code == 403


def test_the_header_shows_admin_only_to_staff(user, admin_user):
    operator, _ = signed_in_client(user)
    admin, _ = signed_in_client(admin_user)
    assert 'href="/admin/"' not in operator.get("/account").content.decode()
    assert 'href="/admin/"' in admin.get("/account").content.decode()


def test_the_header_offers_sign_in_and_register_to_strangers(client):
    body = client.get("/pending").content.decode()
    assert 'href="/login"' in body
    assert 'href="/register"' in body
    assert "Sign out" not in body
