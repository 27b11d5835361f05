from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from apps.accounts.csrf import enforce_cookie_csrf, issue_csrf_cookie
from apps.accounts.models import User
from apps.accounts.selectors import Principal, principal_for_credential
from apps.accounts.services.api_tokens import record_api_token_use
from apps.accounts.tokens import InvalidAccessToken

# Seed 003 names its access cookie `access_token`, seed 004 `auth_token`; both are accepted.
ACCESS_COOKIES = ("access_token", "auth_token")


class InvalidToken(AuthenticationFailed):
    error_code = "INVALID_TOKEN"
    default_detail = "The access token is invalid, expired or revoked."


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access JWT | hc_live_ API token>`, or the access cookies.

    A bad bearer header is a 401. A stale cookie is simply no credential, so public endpoints
    (nonce, refresh) keep working for a browser whose access cookie has expired. A write that a
    cookie authenticates must be same-origin and carry the CSRF token (see accounts/csrf.py).
    """

    def authenticate(self, request: Request) -> tuple[User, Principal] | None:
        # Reads may be answered from the auth cache; a write reads its session from the database.
        cached = request.method in SAFE_METHODS
        header = get_authorization_header(request).decode("latin-1")
        if header:
            scheme, _, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                raise InvalidToken("Send the token as `Authorization: Bearer <token>`.")
            return self._resolve(raw.strip(), cached=cached)
        for name in ACCESS_COOKIES:
            raw = request.COOKIES.get(name)
            if not raw:
                continue
            try:
                found = self._resolve(raw, cached=cached)
            except InvalidToken:
                continue
            enforce_cookie_csrf(request)
            issue_csrf_cookie(request)
            return found
        return None

    @staticmethod
    def _resolve(raw: str, *, cached: bool) -> tuple[User, Principal]:
        try:
            principal = principal_for_credential(raw, cached=cached)
        except InvalidAccessToken:
            raise InvalidToken() from None
        if principal.api_token is not None:
            record_api_token_use(token=principal.api_token)
        return principal.user, principal

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
