"""Cookie-authenticated API writes: a same-origin `Origin` (or `Referer`) and Django's CSRF token.

A browser attaches cookies to every request, including a form post built by another site.
SameSite does not help against a sibling subdomain or another port of the same host (both are
"same site"), so an unsafe request that a cookie authenticates must

1. come from one of this site's origins: `Origin` (or, when a browser leaves it out, `Referer`)
   equal to the request's own scheme://host[:port] or matching `CSRF_TRUSTED_ORIGINS`; a request
   with neither header is refused, and
2. carry the CSRF token: the `csrftoken` cookie's value in the `X-CSRFToken` header, checked
   by Django's own `CsrfViewMiddleware` (through DRF's `CSRFCheck`, as `SessionAuthentication`
   does).

A bearer token is never attached by the browser on its own, so bearer requests need neither.
Django's test client marks its requests `_dont_enforce_csrf_checks` unless asked to enforce;
that convention is kept, so only tests that opt in see the check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.http import is_same_domain
from rest_framework.authentication import CSRFCheck

from apps.core.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

ORIGIN_MESSAGE = (
    "This request did not come from this site's pages (its Origin or Referer names another origin, "
    "or neither was sent), so nothing was changed. Scripts elsewhere authenticate with "
    "`Authorization: Bearer <token>` instead of cookies."
)
CSRF_MESSAGE = (
    "CSRF check failed ({reason}), so nothing was changed. Send the `csrftoken` cookie's value "
    "in the `X-CSRFToken` header."
)


def enforce_cookie_csrf(request: HttpRequest) -> None:
    """Refuse (403) an unsafe request authenticated by cookie that is cross-origin or lacks the
    CSRF token; do nothing for safe methods. `request` may be Django's or DRF's."""
    if request.method in SAFE_METHODS or getattr(request, "_dont_enforce_csrf_checks", False):
        return
    if not _from_this_site(request):
        raise ApiError(status=403, code="ORIGIN_MISMATCH", message=ORIGIN_MESSAGE)
    check = CSRFCheck(_no_response)
    check.process_request(request)  # reads the csrftoken cookie into request.META
    reason = check.process_view(request, None, (), {})
    if reason:
        # The refusal carries a fresh cookie when there was none, so the page's next try works.
        issue_csrf_cookie(request)
        raise ApiError(status=403, code="CSRF_FAILED", message=CSRF_MESSAGE.format(reason=reason.rstrip(".")))


def issue_csrf_cookie(request: HttpRequest) -> None:
    """Make the response set the `csrftoken` cookie when the browser does not hold one yet
    (CsrfViewMiddleware writes it on the way out), so a cookie-signed-in client can write."""
    if not request.META.get("CSRF_COOKIE"):
        get_token(request)


def _no_response(request: HttpRequest) -> None:  # pragma: no cover - CSRFCheck never calls it
    return None


def _from_this_site(request: HttpRequest) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        referer = request.META.get("HTTP_REFERER")
        if not referer:
            return False
        try:
            parts = urlsplit(referer)
        except ValueError:
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
    return _origin_allowed(request, origin)


def _origin_allowed(request: HttpRequest, origin: str) -> bool:
    """The same rule as Django's CsrfViewMiddleware applies to `Origin`: the request's own
    origin exactly (scheme, host and port), or an entry of CSRF_TRUSTED_ORIGINS, where
    `https://*.example.com` allows that scheme on any subdomain."""
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        own = None
    if origin == own or origin in {o for o in settings.CSRF_TRUSTED_ORIGINS if "*" not in o}:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parts.netloc, trusted.netloc.lstrip("*"))
        for trusted in (urlsplit(o) for o in settings.CSRF_TRUSTED_ORIGINS if "*" in o)
        if trusted.scheme == parts.scheme
    )
