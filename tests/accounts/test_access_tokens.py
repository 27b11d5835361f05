"""Access tokens are verified once per process and token, and still refused once they expire or
once the secret that signed them is replaced (apps/accounts/tokens.py)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from apps.accounts.tokens import InvalidAccessToken, decode_access_token, encode_access_token


def test_a_verified_token_is_refused_from_its_expiry_on(settings, monkeypatch):
    raw = encode_access_token(user_id=uuid.uuid4(), session_id=uuid.uuid4())
    expiry = jwt.decode(raw, options={"verify_signature": False})["exp"]
    assert decode_access_token(raw)  # verified, and kept

    monkeypatch.setattr(time, "time", lambda: expiry - 0.001)
    assert decode_access_token(raw)
    monkeypatch.setattr(time, "time", lambda: expiry)
    with pytest.raises(InvalidAccessToken, match="expired"):
        decode_access_token(raw)


def test_a_verified_token_is_refused_once_its_secret_is_replaced(settings):
    raw = encode_access_token(user_id=uuid.uuid4(), session_id=uuid.uuid4())
    assert decode_access_token(raw)
    settings.SECRET_KEY = "another-secret-" + "x" * 48
    with pytest.raises(InvalidAccessToken):
        decode_access_token(raw)


def test_a_refused_token_is_checked_again_every_time(settings):
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    claims = {"sub": str(user_id), "sid": str(session_id), "typ": "refresh", "exp": int(time.time()) + 60}
    raw = jwt.encode(claims, settings.SECRET_KEY)
    for _ in range(2):
        with pytest.raises(InvalidAccessToken, match="not an access token"):
            decode_access_token(raw)
