from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from rest_framework.permissions import SAFE_METHODS

from apps.accounts.authentication import ACCESS_COOKIES
from apps.accounts.selectors import Principal, principal_for_credential
from apps.accounts.tokens import InvalidAccessToken


def principal_from_cookies(request: HttpRequest) -> Principal | None:
    """The principal behind the request's access cookie, looked up once per request."""
    if not hasattr(request, "_cookie_principal"):
        principal = None
        for name in ACCESS_COOKIES:
            raw = request.COOKIES.get(name)
            if not raw:
                continue
            try:
                principal = principal_for_credential(raw, cached=request.method in SAFE_METHODS)
                break
            except InvalidAccessToken:
                continue
        request._cookie_principal = principal
    return request._cookie_principal


def _user(request: HttpRequest):
    principal = principal_from_cookies(request)
    return principal.user if principal else AnonymousUser()


class TokenAuthenticationMiddleware(AuthenticationMiddleware):
    """Pages and the Django admin know the user by the same cookies as the API.

    There is one session mechanism (AuthSession rows behind the access and refresh tokens);
    Django's own login sessions are not used.
    """

    def process_request(self, request: HttpRequest) -> None:
        request.user = SimpleLazyObject(lambda: _user(request))

        async def auser():
            from asgiref.sync import sync_to_async

            return await sync_to_async(_user)(request)

        request.auser = auser
