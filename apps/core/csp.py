"""The Content-Security-Policy: django-csp's middleware, plus the WebSocket origin per request.

settings.CONTENT_SECURITY_POLICY allows 'self' only (no inline script or style anywhere). Pages
open their WebSocket at `WS_PUBLIC_URL`, or else at ws(s)://<the page's hostname>:<WS_PORT>/ws
(static/js/trading.js). 'self' does not cover another port, and the hostname a browser used is
known only per request, so that origin joins connect-src here rather than in the settings.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase
from django.http.request import split_domain_port


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
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
