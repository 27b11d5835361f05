"""The Content-Security-Policy header of a response nothing customised is built once per
WebSocket origin (apps/core/csp.py), and is exactly the header django-csp builds."""

from __future__ import annotations

import pytest
from csp.constants import HEADER
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core.csp import ContentSecurityPolicyMiddleware


def headers(host: str, *, secure: bool = False, **response_attributes: object) -> tuple[str, str]:
    """(the cached path's header, django-csp's own) for the same request."""
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    written = []
    for process_response in (middleware.process_response, lambda *a: CSPMiddleware.process_response(middleware, *a)):
        request = RequestFactory().get("/api/v1/auth/me", HTTP_HOST=host, secure=secure)
        middleware.process_request(request)
        response = HttpResponse()
        for name, value in response_attributes.items():
            setattr(response, name, value)
        written.append(process_response(request, response)[HEADER])
    return written[0], written[1]


@pytest.mark.parametrize(("host", "secure"), [("testserver", False), ("localhost:8080", True), ("evil.example", False)])
def test_it_writes_django_csps_own_header(settings, host, secure):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    cached, built = headers(host, secure=secure)
    assert cached == built
    assert "connect-src 'self'" in cached


def test_it_follows_the_websocket_address_and_the_policy_settings(settings):
    settings.WS_PUBLIC_URL = "wss://stream.havencap.test/ws"
    assert "connect-src 'self' wss://stream.havencap.test" in headers("testserver")[0]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    cached, built = headers("testserver")
    assert cached == built
    assert cached.startswith("default-src 'none'")


def test_a_view_that_changes_the_policy_gets_its_own_header():
    cached, built = headers("testserver", _csp_update={"style-src": ["'unsafe-inline'"]})
    assert cached == built
    assert "style-src 'self' 'unsafe-inline'" in cached


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/api/v1/auth/me")
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_page_that_used_a_nonce_goes_through_django_csp(monkeypatch):
    seen = []
    monkeypatch.setattr(CSPMiddleware, "process_response", lambda self, request, response: seen.append(1) or response)
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/login")
    middleware.process_request(request)
    str(request.csp_nonce)
    middleware.process_response(request, HttpResponse())
    assert seen == [1]
