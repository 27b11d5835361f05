"""A new secret (API token, pairing code) carried across the redirect after the form that made it.

Forms that create something answer with a redirect (post/redirect/get), so reloading the page
cannot make a second one and silently kill the first. The secret has to reach the page after the
redirect, and only that page, once: it travels in a short-lived cookie encrypted with a key
derived from SECRET_KEY (HttpOnly, SameSite=Strict, path /account), bound to the user, and the
page that shows it deletes it. A reload finds no cookie and shows the token's prefix only.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "shown_once"
COOKIE_PATH = "/account"
# Long enough for a slow redirect, short enough that a secret never lingers in the browser.
MAX_AGE_SECONDS = 120


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"havencap shown-once secrets").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def stash(response: HttpResponse, *, user_id: Any, kind: str, value: dict[str, str]) -> None:
    """Hand `value` to the next page this user opens under /account, once."""
    sealed = _fernet().encrypt(json.dumps({"user": str(user_id), "kind": kind, "value": value}).encode())
    response.set_cookie(
        COOKIE,
        sealed.decode(),
        max_age=MAX_AGE_SECONDS,
        path=COOKIE_PATH,
        secure=settings.AUTH_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def take(request: HttpRequest, *, user_id: Any) -> tuple[str, dict[str, str]] | None:
    """(kind, value) stashed for this user, or None: absent, expired, tampered or someone else's.
    The caller must `forget` on the response that shows it."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return None
    try:
        payload = json.loads(_fernet().decrypt(raw.encode(), ttl=MAX_AGE_SECONDS))
    except (InvalidToken, ValueError):
        return None
    if payload.get("user") != str(user_id):
        return None
    return payload["kind"], payload["value"]


def forget(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Strict")
