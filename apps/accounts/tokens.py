"""Token formats: JWT access tokens, opaque refresh and API tokens, and their hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import jwt
from django.conf import settings
from django.utils import timezone

API_TOKEN_PREFIX = "hc_live_"  # noqa: S105 - a public prefix, not a secret
_ALGORITHM = "HS256"


class InvalidAccessToken(Exception):
    """The access token is malformed, forged or expired."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def token_hash(raw: str) -> str:
    """Keyed hash for stored secrets: a leaked table alone cannot test guesses offline."""
    return hmac.new(settings.SECRET_KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(48)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_hex(20)


def new_pairing_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def encode_access_token(*, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime | None = None) -> str:
    issued = now or timezone.now()
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "typ": "access",
        "iat": int(issued.timestamp()),
        "exp": int((issued + settings.ACCESS_TOKEN_TTL).timestamp()),
    }
    return jwt.encode(claims, settings.SECRET_KEY, algorithm=_ALGORITHM)


def decode_access_token(raw: str) -> AccessClaims:
    claims, expires_at = _verified_access_token(raw, settings.SECRET_KEY)
    if expires_at <= time.time():  # PyJWT's own rule: a token is expired from its `exp` on
        raise InvalidAccessToken("Signature has expired")
    return claims


@lru_cache(maxsize=4096)
def _verified_access_token(raw: str, secret: str) -> tuple[AccessClaims, int]:
    """The claims of a token whose signature and claims checked out, and its expiry.

    Kept per process for the token's life, so a client's next requests skip the verification
    (PyJWT's checks cost more than the rest of authenticating): the answer for a given token and
    secret never changes, only the clock does, and the expiry is checked again at every use.
    A token that fails is never kept. Only the session decides whether a token still works.
    """
    try:
        claims = jwt.decode(raw, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "sid"]})
        if claims.get("typ") != "access":
            raise InvalidAccessToken("not an access token")
        access = AccessClaims(user_id=uuid.UUID(claims["sub"]), session_id=uuid.UUID(claims["sid"]))
        return access, int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidAccessToken(str(exc)) from exc
