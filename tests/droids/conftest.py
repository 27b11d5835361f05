from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.core.renderers import ORJSONRenderer
from tests.accounts.factories import UserFactory, sign_in


class Client:
    """A signed-in user's API client, by the `auth_token` cookie as the seed's examples (`-b cookies.txt`)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.api = APIClient()
        self.api.cookies["auth_token"] = sign_in(user).access_token

    def get(self, path: str, **query: Any) -> Any:
        return self.api.get(path, query)

    def post(self, path: str, body: Any) -> Any:
        return self.api.post(path, encode(body), content_type="application/json")

    def patch(self, path: str, body: Any) -> Any:
        return self.api.patch(path, encode(body), content_type="application/json")


def encode(body: Any) -> bytes:
    """JSON with Decimals as numbers with their own digits, as a careful client sends them."""
    return ORJSONRenderer().render(body)


@pytest.fixture
def client_as(db):
    """`client_as(Role.OPERATOR)` (or a user): a client signed in as that role (or user)."""

    def make(who: Any = Role.OPERATOR) -> Client:
        return Client(UserFactory(role=who) if isinstance(who, str) else who)

    return make


@pytest.fixture
def operator(client_as) -> Client:
    return client_as(Role.OPERATOR)


def body(response: Any) -> Any:
    """The response's JSON with its numbers as Decimal, so `0.03` is compared as written."""
    return json.loads(response.content, parse_float=Decimal)


def assert_error(response: Any, status: int, *fragments: str) -> None:
    """The app envelope, with each fragment in the message."""
    assert response.status_code == status, response.content
    error = response.json()
    assert error["code"] == str(status)
    for fragment in fragments:
        assert fragment in error["error"], error
