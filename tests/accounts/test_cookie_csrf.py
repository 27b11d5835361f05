"""Cookie-authenticated API writes need a same-origin Origin (or Referer) and the CSRF token;
bearer requests and public endpoints do not. One write per family that accepts cookies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, AuthSession, RefreshToken, User
from apps.accounts.services import create_api_token
from tests.accounts.factories import PASSWORD, UserFactory, sign_in

pytestmark = pytest.mark.django_db

HOST = "desk.havencap.test"
SITE = f"http://{HOST}"


@dataclass(frozen=True)
class Write:
    name: str
    path: str
    cookie: str  # the cookie that authenticates it
    ok: int
    family: str


def account_state(user: User) -> tuple[Any, ...]:
    """What any of the writes below would change: sessions, their refresh chain, the API token."""
    return (
        sorted(AuthSession.objects.filter(user=user).values_list("id", "revoked_at", "last_refreshed_at")),
        sorted(RefreshToken.objects.filter(session__user=user).values_list("token_hash", "used_at")),
        ApiToken.objects.filter(user=user).exists(),
    )


WRITES = [
    Write("desk revoke-all", "/api/v1/auth/revoke-all", "access_token", 200, "desk"),
    Write("desk trades cleanup", "/api/v1/trades/cleanup", "access_token", 200, "desk"),
    Write("desk refresh (refresh cookie alone)", "/api/v1/auth/refresh", "refresh_token", 200, "desk"),
    Write("app api token", "/api/user/token", "auth_token", 201, "app"),
    Write("app refresh (refresh cookie alone)", "/api/auth/refresh", "refresh_token", 200, "app"),
]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.ALLOWED_HOSTS = [".havencap.test", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://trusted.partner.test"]


@pytest.fixture
def trader() -> User:
    return UserFactory()


def browser(user: User, write: Write) -> tuple[APIClient, str]:
    """A browser that holds the session cookie the write rides on and the csrftoken cookie a
    page of this site set; returns it with the token a page's script would send."""
    client = APIClient(enforce_csrf_checks=True)
    page = client.get("/login", HTTP_HOST=HOST)
    assert page.status_code == 200
    tokens = sign_in(user)
    client.cookies[write.cookie] = tokens.refresh_token if write.cookie == "refresh_token" else tokens.access_token
    return client, client.cookies["csrftoken"].value


def post(client: APIClient, write: Write, **headers: str) -> Any:
    return client.post(write.path, HTTP_HOST=HOST, **headers)


def assert_refused(response: Any, write: Write, before: tuple[Any, ...], user: User, code: str) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    if write.family == "app":
        # Seed 004's envelope carries the status as its code; the message names the rule broken.
        assert body["code"] == "403"
        assert ("Origin" if code == "ORIGIN_MISMATCH" else "CSRF") in body["error"]
    else:
        assert body["error"]["code"] == code
        assert body["error"]["message"]
    assert account_state(user) == before


@pytest.fixture(params=WRITES, ids=[w.name for w in WRITES])
def write(request) -> Write:
    return request.param


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",  # another site
        "http://blog.havencap.test",  # a sibling subdomain: same site, so SameSite lets it through
        "http://desk.havencap.test:8443",  # the same host on another port
        "https://desk.havencap.test",  # the same host over another scheme
        "null",  # a sandboxed frame or a data: URL
    ],
)
def test_it_refuses_a_cookie_write_from_another_origin_even_with_the_token(trader, write, origin):
    client, token = browser(trader, write)
    before = account_state(trader)
    response = post(client, write, HTTP_ORIGIN=origin, HTTP_X_CSRFTOKEN=token)
    assert_refused(response, write, before, trader, "ORIGIN_MISMATCH")


def test_it_refuses_a_cookie_write_that_names_no_origin_and_no_referer(trader, write):
    client, token = browser(trader, write)
    before = account_state(trader)
    response = post(client, write, HTTP_X_CSRFTOKEN=token)
    assert_refused(response, write, before, trader, "ORIGIN_MISMATCH")


def test_it_refuses_a_cookie_write_whose_referer_is_another_site(trader, write):
    client, token = browser(trader, write)
    before = account_state(trader)
    response = post(client, write, HTTP_REFERER="https://evil.example/trap.html", HTTP_X_CSRFTOKEN=token)
    assert_refused(response, write, before, trader, "ORIGIN_MISMATCH")


def test_it_refuses_a_same_origin_cookie_write_without_the_token(trader, write):
    client, _token = browser(trader, write)
    before = account_state(trader)
    response = post(client, write, HTTP_ORIGIN=SITE)
    assert_refused(response, write, before, trader, "CSRF_FAILED")


def test_it_refuses_a_same_origin_cookie_write_with_a_wrong_token(trader, write):
    client, _token = browser(trader, write)
    before = account_state(trader)
    response = post(client, write, HTTP_ORIGIN=SITE, HTTP_X_CSRFTOKEN="x" * 64)
    assert_refused(response, write, before, trader, "CSRF_FAILED")


def test_it_accepts_a_same_origin_cookie_write_with_the_token(trader, write):
    client, token = browser(trader, write)
    response = post(client, write, HTTP_ORIGIN=SITE, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == write.ok, response.content


def test_it_accepts_the_referer_when_the_browser_sends_no_origin(trader, write):
    client, token = browser(trader, write)
    response = post(client, write, HTTP_REFERER=f"{SITE}/account", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == write.ok, response.content


def test_it_accepts_an_origin_listed_in_csrf_trusted_origins(trader, write):
    client, token = browser(trader, write)
    response = post(client, write, HTTP_ORIGIN="https://trusted.partner.test", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == write.ok, response.content


# --- what stays as it was -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "ok"), [("/api/v1/auth/revoke-all", 200), ("/api/v1/trades/cleanup", 200), ("/api/user/token", 201)]
)
def test_a_bearer_write_needs_neither_origin_nor_token(trader, path, ok):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(
        path,
        HTTP_HOST=HOST,
        HTTP_ORIGIN="https://evil.example",
        HTTP_AUTHORIZATION=f"Bearer {sign_in(trader).access_token}",
    )
    assert response.status_code == ok, response.content


def test_a_bearer_write_wins_over_a_cookie_sent_alongside(trader):
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["auth_token"] = sign_in(trader).access_token
    response = client.post(
        "/api/user/token", HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=UserFactory())}"
    )
    assert response.status_code == 201
    assert not ApiToken.objects.filter(user=trader).exists()


def test_a_cookie_read_needs_no_token_and_hands_out_the_csrf_cookie(trader):
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["access_token"] = sign_in(trader).access_token
    response = client.get("/api/v1/auth/me", HTTP_HOST=HOST, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert response.cookies["csrftoken"].value
    assert not response.cookies["csrftoken"]["httponly"]  # the page's script reads it


def test_a_public_sign_in_needs_no_token_and_the_next_write_can_send_one(trader):
    client = APIClient(enforce_csrf_checks=True)
    login = client.post("/api/auth/login", {"email": trader.email, "password": PASSWORD}, format="json", HTTP_HOST=HOST)
    assert login.status_code == 200, login.content
    token = login.cookies["csrftoken"].value
    response = client.post("/api/user/token", HTTP_HOST=HOST, HTTP_ORIGIN=SITE, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_a_refused_write_without_a_csrf_cookie_hands_one_out_for_the_retry(trader):
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["access_token"] = sign_in(trader).access_token
    refused = client.post("/api/v1/auth/revoke-all", HTTP_HOST=HOST, HTTP_ORIGIN=SITE)
    assert refused.status_code == 403
    token = refused.cookies["csrftoken"].value
    retried = client.post("/api/v1/auth/revoke-all", HTTP_HOST=HOST, HTTP_ORIGIN=SITE, HTTP_X_CSRFTOKEN=token)
    assert retried.status_code == 200


def test_a_stale_cookie_on_a_public_write_is_no_credential_and_needs_no_token(trader):
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["auth_token"] = "not-a-token"
    response = client.post(
        "/api/auth/login",
        {"email": trader.email, "password": PASSWORD},
        format="json",
        HTTP_HOST=HOST,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 200


def test_a_jobs_family_write_is_judged_by_its_wallet_signature_not_by_cookies(trader):
    # The agent-jobs family takes no cookies: a cross-origin post with a session cookie gets the
    # family's own missing-signature answer, not a CSRF refusal.
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["access_token"] = sign_in(trader).access_token
    response = client.post(
        "/api/v1/jobs/1/offers", {}, format="json", HTTP_HOST=HOST, HTTP_ORIGIN="https://evil.example"
    )
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] not in ("CSRF_FAILED", "ORIGIN_MISMATCH")
    assert response.status_code in (400, 401, 404)
