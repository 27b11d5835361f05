"""Seed 003 sessions: rotating refresh, reuse detection, extension pairing, logout, revoke-all."""

import pytest
from django.utils import timezone

from apps.accounts.models import AuthSession, PairingCode, Status
from apps.accounts.services import set_user_access
from tests.accounts.factories import UserFactory, bearer, sign_in

pytestmark = pytest.mark.django_db


def me(api, token):
    return api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_me_returns_the_signed_in_user(api, user):
    response = me(api, sign_in(user).access_token)
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "wallet_address": None,
        "email": user.email,
        "role": "OPERATOR",
        "status": "ACTIVE",
        "created_at": response.json()["created_at"],
    }


def test_refresh_rotates_the_pair_and_the_old_access_still_names_the_same_session(api, user):
    tokens = sign_in(user)
    api.cookies["refresh_token"] = tokens.refresh_token
    response = api.post("/api/v1/auth/refresh")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(user.id)
    new_refresh = response.cookies["refresh_token"].value
    assert new_refresh and new_refresh != tokens.refresh_token
    assert me(api, response.cookies["access_token"].value).status_code == 200


def test_a_reused_refresh_token_revokes_the_session(api, user):
    tokens = sign_in(user)
    api.cookies["refresh_token"] = tokens.refresh_token
    rotated = api.post("/api/v1/auth/refresh")
    assert rotated.status_code == 200
    fresh_access = rotated.cookies["access_token"].value

    api.cookies["refresh_token"] = tokens.refresh_token  # the stolen copy comes back
    replay = api.post("/api/v1/auth/refresh")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "REFRESH_TOKEN_REUSED"

    session = AuthSession.objects.get(pk=tokens.session.pk)
    assert session.revoked_reason == "refresh_token_reused"
    assert me(api, fresh_access).status_code == 401
    api.cookies["refresh_token"] = rotated.cookies["refresh_token"].value
    assert api.post("/api/v1/auth/refresh").status_code == 401


def test_an_unknown_refresh_token_is_401(api):
    api.cookies["refresh_token"] = "made-up"
    response = api.post("/api/v1/auth/refresh")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_REFRESH_TOKEN"


def test_refresh_works_with_an_expired_access_cookie_present(api, user):
    tokens = sign_in(user)
    api.cookies["access_token"] = "expired.or.garbage"
    api.cookies["refresh_token"] = tokens.refresh_token
    assert api.post("/api/v1/auth/refresh").status_code == 200


def test_logout_revokes_only_the_current_session(api, user):
    this, other = sign_in(user), sign_in(user)
    response = api.post("/api/v1/auth/logout", **bearer(this))
    assert response.status_code == 200
    assert me(api, this.access_token).status_code == 401
    assert me(api, other.access_token).status_code == 200


def test_revoke_all_ends_every_session(api, user):
    sessions = [sign_in(user) for _ in range(3)]
    response = api.post("/api/v1/auth/revoke-all", **bearer(sessions[0]))
    assert response.json() == {"revoked": 3}
    assert all(me(api, s.access_token).status_code == 401 for s in sessions)


def test_an_expired_access_token_is_refused(api, user, settings):
    from apps.accounts.tokens import encode_access_token

    session = sign_in(user).session
    stale = encode_access_token(
        user_id=user.id, session_id=session.id, now=timezone.now() - settings.ACCESS_TOKEN_TTL * 2
    )
    assert me(api, stale).status_code == 401


def test_a_token_signed_with_another_key_is_refused(api, user):
    import jwt

    session = sign_in(user).session
    forged = jwt.encode({"sub": str(user.id), "sid": str(session.id), "typ": "access", "exp": 9999999999}, "x" * 64)
    assert me(api, forged).status_code == 401


def test_pairing_hands_the_extension_its_own_session(api, user):
    desk = sign_in(user)
    code = api.post("/api/v1/auth/pair-extension", **bearer(desk))
    assert code.status_code == 201
    body = code.json()
    assert len(body["code"]) == 6 and body["code"].isdigit()
    assert body["expires_in"] == 300

    claim = api.post("/api/v1/auth/extension-pair", {"code": body["code"]}, format="json")
    assert claim.status_code == 200
    tokens = claim.json()["tokens"]
    assert set(tokens) == {"access_token", "refresh_token", "expires_in"}
    assert tokens["expires_in"] == 900
    assert me(api, tokens["access_token"]).json()["id"] == str(user.id)
    assert AuthSession.objects.filter(user=user, kind="EXTENSION").count() == 1
    assert PairingCode.objects.get().code_hash != body["code"]  # only a hash is kept


def test_a_pairing_code_works_once(api, user):
    code = api.post("/api/v1/auth/pair-extension", **bearer(sign_in(user))).json()["code"]
    assert api.post("/api/v1/auth/extension-pair", {"code": code}, format="json").status_code == 200
    again = api.post("/api/v1/auth/extension-pair", {"code": code}, format="json")
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "INVALID_PAIRING_CODE"


def test_an_expired_pairing_code_is_refused(api, user):
    code = api.post("/api/v1/auth/pair-extension", **bearer(sign_in(user))).json()["code"]
    PairingCode.objects.update(expires_at=timezone.now())
    assert api.post("/api/v1/auth/extension-pair", {"code": code}, format="json").status_code == 401


def test_a_new_code_replaces_the_previous_one(api, user):
    desk = sign_in(user)
    first = api.post("/api/v1/auth/pair-extension", **bearer(desk)).json()["code"]
    second = api.post("/api/v1/auth/pair-extension", **bearer(desk)).json()["code"]
    if first != second:
        assert api.post("/api/v1/auth/extension-pair", {"code": first}, format="json").status_code == 401
    assert api.post("/api/v1/auth/extension-pair", {"code": second}, format="json").status_code == 200


def test_guessing_pairing_codes_is_cut_off_after_a_few_attempts(api, user, settings):
    settings.PAIRING_MAX_FAILURES = 3
    code = api.post("/api/v1/auth/pair-extension", **bearer(sign_in(user))).json()["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert api.post("/api/v1/auth/extension-pair", {"code": wrong}, format="json").status_code == 401
    locked = api.post("/api/v1/auth/extension-pair", {"code": code}, format="json")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"


def test_a_malformed_pairing_code_is_a_400(api):
    response = api.post("/api/v1/auth/extension-pair", {"code": "12ab"}, format="json")
    assert response.status_code == 400
    assert "code" in response.json()["error"]["details"]


def test_extension_refresh_rotates_tokens_from_the_body(api, user):
    code = api.post("/api/v1/auth/pair-extension", **bearer(sign_in(user))).json()["code"]
    tokens = api.post("/api/v1/auth/extension-pair", {"code": code}, format="json").json()["tokens"]
    response = api.post("/api/v1/auth/extension-refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert response.status_code == 200
    rotated = response.json()["tokens"]
    assert rotated["refresh_token"] != tokens["refresh_token"]
    reuse = api.post("/api/v1/auth/extension-refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert reuse.status_code == 401
    assert me(api, rotated["access_token"]).status_code == 401


def test_suspending_a_user_ends_all_their_sessions_at_once(api, user):
    web, extension = sign_in(user), sign_in(user, kind="EXTENSION")
    set_user_access(user=user, status=Status.SUSPENDED)
    assert me(api, web.access_token).status_code == 401
    assert me(api, extension.access_token).status_code == 401
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/auth/me"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/revoke-all"),
        ("post", "/api/v1/auth/pair-extension"),
        ("get", "/api/auth/me"),
        ("post", "/api/auth/logout"),
        ("get", "/api/user/token"),
        ("post", "/api/user/token"),
        ("delete", "/api/user/token"),
        ("get", "/api/admin/users"),
    ],
)
def test_a_pending_user_cannot_use_anything_behind_auth(api, method, path):
    from apps.accounts.services import create_api_token

    pending = UserFactory(status=Status.PENDING, role="ADMIN")
    token = create_api_token(user=pending)
    response = getattr(api, method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    body = response.json()
    message = body["error"]["message"] if isinstance(body["error"], dict) else body["error"]
    assert message == "Your account is pending admin approval."
