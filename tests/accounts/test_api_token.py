"""Seed 004's personal API token: hc_live_..., shown once, stored hashed, usable as Bearer."""

import pytest

from apps.accounts.models import ApiToken
from tests.accounts.factories import bearer, sign_in

pytestmark = pytest.mark.django_db


def test_no_token_at_first(api, user):
    assert api.get("/api/user/token", **bearer(sign_in(user))).json() == {"exists": False}


def test_a_created_token_is_shown_once_and_stored_only_as_a_hash(api, user):
    session = bearer(sign_in(user))
    response = api.post("/api/user/token", **session)
    assert response.status_code == 201
    raw = response.json()["token"]
    assert raw.startswith("hc_live_") and len(raw) == len("hc_live_") + 40
    stored = ApiToken.objects.get(user=user)
    assert raw not in (stored.token_hash, stored.prefix)
    state = api.get("/api/user/token", **session).json()
    assert state["exists"] is True
    assert state["createdAt"].endswith("Z")
    assert raw not in str(state)


def test_the_token_works_as_a_bearer(api, user):
    raw = api.post("/api/user/token", **bearer(sign_in(user))).json()["token"]
    response = api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["user"]["userId"] == str(user.id)


def test_using_the_token_records_when_it_was_last_used(api, user):
    raw = api.post("/api/user/token", **bearer(sign_in(user))).json()["token"]
    assert ApiToken.objects.get(user=user).last_used_at is None
    api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_creating_again_replaces_the_old_token(api, user):
    session = bearer(sign_in(user))
    old = api.post("/api/user/token", **session).json()["token"]
    new = api.post("/api/user/token", **session).json()["token"]
    assert api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200


def test_a_revoked_token_stops_working(api, user):
    session = bearer(sign_in(user))
    raw = api.post("/api/user/token", **session).json()["token"]
    response = api.delete("/api/user/token", **session)
    assert response.json() == {"message": "Token revoked"}
    assert api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert api.delete("/api/user/token", **session).status_code == 404


def test_a_made_up_token_with_the_prefix_is_401(api):
    response = api.get("/api/auth/me", HTTP_AUTHORIZATION="Bearer hc_live_" + "0" * 40)
    assert response.status_code == 401
