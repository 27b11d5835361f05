"""The Content-Security-Policy: django-csp's middleware, plus the WebSocket origin per request.

settings.CONTENT_SECURITY_POLICY allows 'self' only (no inline script or style anywhere). Pages
open their WebSocket at `WS_PUBLIC_URL`, or else at ws(s)://<the page's hostname>:<WS_PORT>/ws
(static/js/trading.js). 'self' does not cover another port, and the hostname a browser used is
known only per request, so that origin joins connect-src here rather than in the settings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port

# What a view or a template can change per response (django-csp's decorators and nonce); a
# response with none of them gets the settings' policy plus the WebSocket origin.
_PER_RESPONSE = tuple(
    f"_csp_{name}{suffix}" for name in ("config", "update", "replace", "exempt") for suffix in ("", "_ro")
)


def websocket_origin(request: HttpRequest) -> str | None:
    """The origin the page's WebSocket connects to, as a CSP source; None if unknown."""
    if settings.WS_PUBLIC_URL:
        parts = urlsplit(settings.WS_PUBLIC_URL)
        return f"{parts.scheme}://{parts.netloc}"
    try:
        hostname, _port = split_domain_port(request.get_host())
    except DisallowedHost:
        return None
    if not hostname:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{hostname}:{settings.WS_PORT}"


@lru_cache(maxsize=64)
def _policy(socket: str | None) -> str:
    return build_policy(update={"connect-src": [socket]} if socket else None)


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """The header of a response nothing customised, built once per WebSocket origin (building
        it cost a JSON API response more than its view); anything else goes through django-csp."""
        if (
            HEADER in response
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES")
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        policy = _policy(websocket_origin(request))
        if policy:
            response[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a
        # nonce silently missing from the policy.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        socket = websocket_origin(request)
        if socket:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", ()), socket]
            parts.update = update
        return parts
