"""The account page's actions that make or destroy something: a secret is shown once after a
redirect (a reload never makes another), and what cannot be undone is asked about first."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.accounts.models import ApiToken, AuthSession, PairingCode
from tests.accounts.factories import UserFactory, sign_in
from tests.accounts.test_pages import signed_in_client

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"hc_live_[A-Za-z0-9_\-]+")


def create_token(client: Client) -> str:
    created = client.post("/account/api-token")
    assert created.status_code == 302
    assert created["Location"] == "/account#api-token-section"
    shown = client.get("/account")
    assert "no-store" in shown["Cache-Control"]
    assert "will not be shown again" in shown.content.decode()
    return TOKEN.search(shown.content.decode()).group(0)


def test_a_new_token_is_shown_once_after_the_redirect_and_a_reload_keeps_it_valid(user, api):
    client, _ = signed_in_client(user)
    raw = create_token(client)

    reloaded = client.get("/account").content.decode()
    assert raw not in reloaded
    assert ApiToken.objects.get(user=user).prefix in reloaded
    assert ApiToken.objects.filter(user=user).count() == 1
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_the_shown_once_cookie_is_encrypted_and_cleared_by_the_page_that_shows_it(user):
    client, _ = signed_in_client(user)
    created = client.post("/account/api-token")
    sealed = created.cookies["shown_once"]
    assert "hc_live_" not in sealed.value
    assert sealed["httponly"] and sealed["samesite"] == "Strict" and sealed["path"] == "/account"

    shown = client.get("/account")
    assert shown.cookies["shown_once"].value == ""


def test_nobody_else_sees_a_token_stashed_for_another_user(user):
    client, _ = signed_in_client(user)
    stolen = client.post("/account/api-token").cookies["shown_once"].value
    thief, _ = signed_in_client(UserFactory())
    thief.cookies["shown_once"] = stolen
    assert not TOKEN.search(thief.get("/account").content.decode())


def test_a_new_pairing_code_is_shown_once_after_the_redirect(user):
    client, _ = signed_in_client(user)
    created = client.post("/account/pairing-code")
    assert created.status_code == 302
    shown = client.get("/account").content.decode()
    code = re.search(r'id="pairing-code"[^>]*>(\d{6})<', shown).group(1)

    assert code not in client.get("/account").content.decode()
    assert PairingCode.objects.filter(user=user).count() == 1


def test_replacing_a_token_asks_first_and_says_what_stops_working(user, api):
    client, _ = signed_in_client(user)
    raw = create_token(client)
    prefix = ApiToken.objects.get(user=user).prefix

    asked = client.get("/account/api-token")
    assert asked.status_code == 200
    assert f"Your token {prefix}… stops working at once" in asked.content.decode()
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    replacement = create_token(client)
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {replacement}").status_code == 200


def test_revoking_the_token_asks_first_then_stops_it_working(user, api):
    client, _ = signed_in_client(user)
    raw = create_token(client)

    asked = client.get("/account/api-token/revoke")
    assert "Revoke your API token?" in asked.content.decode()
    assert ApiToken.objects.filter(user=user).exists()

    client.post("/account/api-token/revoke")
    assert not ApiToken.objects.filter(user=user).exists()
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_signing_out_everywhere_asks_first_then_ends_every_session(user):
    client, _ = signed_in_client(user)
    sign_in(user, kind="EXTENSION")

    asked = client.get("/account/sessions/revoke-all")
    assert "All 2 signed-in sessions end at once" in asked.content.decode()
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 2

    response = client.post("/account/sessions/revoke-all")
    assert response["Location"] == "/login"
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_the_pairing_code_is_only_made_by_post(user):
    client, _ = signed_in_client(user)
    assert client.get("/account/pairing-code").status_code == 405
