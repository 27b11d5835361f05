"""Puts the signed-in user into the WebSocket scope, from a cookie or `?access_token=`."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import validate_host

from apps.accounts.authentication import ACCESS_COOKIES
from apps.accounts.selectors import principal_for_credential
from apps.accounts.tokens import InvalidAccessToken


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _credentials(scope: dict[str, Any]) -> list[str]:
    found = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("access_token", [])
    origin = _header(scope, b"origin")
    # Cookies ride along with any page's socket, so they only count from our own pages
    # (or from clients that send no Origin at all); a token in the URL was put there on purpose.
    if not origin or validate_host(urlsplit(origin).hostname or "", settings.ALLOWED_HOSTS):
        cookies = SimpleCookie()
        cookies.load(_header(scope, b"cookie"))
        found += [cookies[name].value for name in ACCESS_COOKIES if name in cookies]
    return found


@database_sync_to_async
def _resolve(credentials: list[str]) -> tuple[Any, Any]:
    for raw in credentials:
        try:
            principal = principal_for_credential(raw)
        except InvalidAccessToken:
            continue
        return principal.user, principal.session.id if principal.session else None
    return AnonymousUser(), None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user, session_id = await _resolve(_credentials(scope))
        return await super().__call__({**scope, "user": user, "session_id": session_id}, receive, send)
