"""Django's message store is made only for a request that adds or reads a message (the API never
does), and messages still reach the next page."""

from __future__ import annotations

import pytest

from apps.core import middleware
from tests.accounts.factories import UserFactory, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores_made(monkeypatch):
    made = []
    real = middleware.default_storage

    def counting(request):
        made.append(request.path)
        return real(request)

    monkeypatch.setattr(middleware, "default_storage", counting)
    return made


def test_an_api_request_makes_no_message_store(client, stores_made):
    tokens = sign_in(UserFactory())
    response = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}")
    assert response.status_code == 200
    assert stores_made == []
    assert "messages" not in response.cookies


def test_a_message_added_on_one_page_shows_on_the_next(client, stores_made):
    user = UserFactory()
    tokens = sign_in(user)
    other = sign_in(user, kind="EXTENSION").session
    client.cookies["auth_token"] = tokens.access_token
    revoked = client.post(f"/account/sessions/{other.id}/revoke")
    assert revoked.status_code == 302
    assert "Session revoked." in client.get(revoked["Location"]).content.decode()
    assert stores_made
