"""Puts the signed-in user into the WebSocket scope, from a cookie or `?access_token=`."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.http.request import validate_host

from apps.accounts.authentication import ACCESS_COOKIES
from apps.accounts.selectors import Principal, principal_for_credential, principal_is_live
from apps.accounts.streams import control_streams_for
from apps.accounts.tokens import InvalidAccessToken


def _headers(scope: dict[str, Any], name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]


def _credentials(scope: dict[str, Any]) -> list[str]:
    found = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("access_token", [])
    origin = next(iter(_headers(scope, b"origin")), "")
    # Cookies ride along with any page's socket, so they only count from our own pages
    # (or from clients that send no Origin at all); a token in the URL was put there on purpose.
    if not origin or validate_host(urlsplit(origin).hostname or "", settings.ALLOWED_HOSTS):
        # Django's parser, not SimpleCookie: that one drops every cookie, or raises, as soon as
        # another cookie of the host has a space or a stray quote in its value or a brace in its name.
        cookies = parse_cookie("; ".join(_headers(scope, b"cookie")))
        found += [cookies[name] for name in ACCESS_COOKIES if cookies.get(name)]
    return found


@database_sync_to_async
def _resolve(credentials: list[str]) -> Principal | None:
    for raw in credentials:
        try:
            return principal_for_credential(raw)
        except InvalidAccessToken:
            continue
    return None


class TokenAuthMiddleware(BaseMiddleware):
    """Fills the scope keys the stream consumer reads: `user`, `control_streams` and
    `credential_is_live` (see apps/core/consumers.py)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        principal = await _resolve(_credentials(scope))
        if principal is None:
            auth = {"user": AnonymousUser(), "control_streams": []}
        else:
            auth = {
                "user": principal.user,
                "control_streams": control_streams_for(principal),
                "credential_is_live": database_sync_to_async(partial(principal_is_live, principal)),
            }
        return await super().__call__({**scope, **auth}, receive, send)
