"""/metrics (django-prometheus), for the scraper only.

Its per-view request counts map the API for anyone, so it is not public. A request may read it
when either

- it comes from a network in `METRICS_ALLOWED_NETWORKS` (the client address is the one the rate
  limits use: `X-Forwarded-For` is trusted only as far as `NUM_PROXIES` says), or
- it sends `Authorization: Bearer <METRICS_TOKEN>`.

With neither configured, DEBUG allows loopback only and production nobody. A missing or wrong
token is a 401 with `WWW-Authenticate` (when a token is configured); anything else a 403, both
in the desk envelope.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView
from rest_framework.throttling import BaseThrottle

from apps.core.errors import error_json_response

LOOPBACK = ("127.0.0.0/8", "::1/128")


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if _from_allowed_network(request):
        return ExportToDjangoView(request)
    token = settings.METRICS_TOKEN
    if not token:
        return error_json_response(
            request.path_info,
            status=403,
            code="FORBIDDEN",
            message="Metrics are not public: scrape from a network in METRICS_ALLOWED_NETWORKS.",
        )
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
        return ExportToDjangoView(request)
    response = error_json_response(
        request.path_info,
        status=401,
        code="INVALID_TOKEN" if presented else "UNAUTHORIZED",
        message="Metrics need `Authorization: Bearer <METRICS_TOKEN>`"
        + (": that token is not it." if presented else "."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _from_allowed_network(request: HttpRequest) -> bool:
    networks = settings.METRICS_ALLOWED_NETWORKS
    if not networks and not settings.METRICS_TOKEN and settings.DEBUG:
        networks = LOOPBACK
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(BaseThrottle().get_ident(request) or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # a dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
