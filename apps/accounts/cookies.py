"""How tokens travel to browsers: HttpOnly cookies, one name per API family."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

from apps.accounts.csrf import enforce_cookie_csrf, issue_csrf_cookie
from apps.accounts.services import ClientInfo, IssuedTokens, refresh_session
from apps.core.errors import ApiError

REFRESH_COOKIE = "refresh_token"
# Site-wide (not just /api) so that a page can tell a signed-in browser whose access cookie
# expired (send it through the refresh redirect) from a stranger (send them to sign in).
REFRESH_COOKIE_PATH = "/"


def client_info(request: HttpRequest) -> ClientInfo:
    # The same client address the rate limits use (REST_FRAMEWORK["NUM_PROXIES"] decides how
    # far X-Forwarded-For is trusted), so a spoofed header cannot dodge the pairing lockout.
    return ClientInfo(
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip_address=BaseThrottle().get_ident(request) or None,
    )


def _set(response: HttpResponse, name: str, value: str, *, max_age: int, samesite: str, path: str = "/") -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=settings.AUTH_COOKIE_SECURE, httponly=True, samesite=samesite
    )


def set_session_cookies(
    response: HttpResponse, tokens: IssuedTokens, *, access_cookie: str, request: HttpRequest
) -> None:
    """`access_token` (seed 003, SameSite=Strict) or `auth_token` (seed 004, SameSite=Lax so the
    redirect flow of its middleware works), plus the shared rotating `refresh_token`; and the
    `csrftoken` cookie when the browser has none, so the client's first write can carry it."""
    issue_csrf_cookie(request)
    _set(
        response,
        access_cookie,
        tokens.access_token,
        max_age=int(settings.ACCESS_TOKEN_TTL.total_seconds()),
        samesite="Strict" if access_cookie == "access_token" else "Lax",
    )
    _set(
        response,
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=int(settings.REFRESH_TOKEN_TTL.total_seconds()),
        samesite="Strict",
        path=REFRESH_COOKIE_PATH,
    )


def clear_session_cookies(response: HttpResponse) -> None:
    for name in ("access_token", "auth_token"):
        response.delete_cookie(name, path="/", samesite="Lax")
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, samesite="Strict")


def refresh_from_cookie(request: HttpRequest) -> IssuedTokens:
    """Rotate the session behind the request's refresh cookie. The cookie is the credential, so
    a POST here is a cookie-authenticated write: same-origin and with the CSRF token."""
    raw = request.COOKIES.get(REFRESH_COOKIE)
    if not raw:
        raise ApiError(status=401, code="NO_REFRESH_TOKEN", message="No refresh token; sign in again.")
    enforce_cookie_csrf(request)
    return refresh_session(raw_refresh_token=raw)
