"""Error pages render in the site's layout (with its navigation) for pages, while API paths
keep their JSON envelopes. DEBUG is off here, as in production, where these pages are seen."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from apps.accounts.models import Role
from apps.accounts.permissions import VIEWER_MESSAGE
from apps.core import error_pages
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.test_pages import signed_in_client

pytestmark = pytest.mark.django_db

LAYOUT = '<nav aria-label="Main">'


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.core.error_page_urls"


def page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_a_missing_page_is_a_404_in_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = page(response)
    assert LAYOUT in body and "css/site.css" in body
    assert "<h1>Page not found</h1>" in body
    assert "/no-such-page" in body


def test_a_signed_in_users_404_keeps_their_navigation(user):
    client, _ = signed_in_client(user)
    body = page(client.get("/exchanges/00000000-0000-0000-0000-000000000000"))
    assert 'href="/exchanges"' in body and "Sign out" in body


@pytest.mark.parametrize(
    ("path", "envelope"),
    [
        ("/api/no-such-thing", {"error": "Not found.", "code": "404"}),
        ("/api/v1/no-such-thing", {"error": {"code": "NOT_FOUND", "message": "Not found."}}),
    ],
)
def test_a_missing_api_path_keeps_its_json_envelope(client, path, envelope):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == envelope


@pytest.mark.parametrize("path", ["/exchanges", "/risk"])
def test_a_viewers_forced_post_is_a_403_page_in_the_layout_saying_why(path):
    client, _ = signed_in_client(UserFactory(role=Role.VIEWER))
    response = client.post(path, {"exchange_name": "paper", "max_leverage": "100"})
    assert response.status_code == 403
    body = page(response)
    assert LAYOUT in body and "Sign out" in body
    assert "<h1>Not allowed</h1>" in body
    assert VIEWER_MESSAGE in body


def test_a_server_error_on_a_page_is_the_500_page_in_the_layout():
    client = Client(raise_request_exception=False)
    response = client.get("/broken-page")
    assert response.status_code == 500
    body = page(response)
    assert LAYOUT in body and "css/site.css" in body
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body


def test_the_500_page_renders_without_the_request(user):
    # Context processors (the session, the user, the database) may be what failed: none runs,
    # so even a signed-in user gets the page without anything read about them.
    client, _ = signed_in_client(user)
    client.raise_request_exception = False
    body = page(client.get("/broken-page"))
    assert user.email not in body and "Sign out" not in body
    assert 'href="/"' in body


def test_the_500_page_falls_back_to_plain_html_when_its_template_fails(monkeypatch):
    def broken_template(name):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(error_pages.loader, "get_template", broken_template)
    response = Client(raise_request_exception=False).get("/broken-page")
    assert response.status_code == 500
    assert "Something went wrong on our side" in page(response)


def test_a_server_error_on_an_api_path_keeps_its_json_envelope():
    response = Client(raise_request_exception=False).get("/api/broken")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error.", "code": "500"}


def test_a_form_post_without_its_csrf_token_is_explained_in_the_layout(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    body = page(response)
    assert LAYOUT in body
    assert "This form has expired" in body and "nothing was changed" in body
    assert "auth_token" not in response.cookies


def test_a_signed_in_users_csrf_failure_page_keeps_their_navigation(user):
    client, _ = signed_in_client(user)
    client.handler.enforce_csrf_checks = True
    body = page(client.post("/exchanges", {"exchange_name": "paper"}))
    assert 'href="/exchanges"' in body and "Sign out" in body
    assert not user.exchange_accounts.exists()


def test_a_csrf_failure_on_an_api_path_answers_its_envelope():
    request = RequestFactory().post("/api/orders")
    response = error_pages.csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert json.loads(response.content) == {"error": error_pages.CSRF_MESSAGE, "code": "403"}
