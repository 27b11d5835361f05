"""/metrics is for the scraper only: a token from the environment or an allowed network; /health
stays public."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef"
METRICS_TEXT = "django_http_requests"


@pytest.fixture
def production(settings):
    """DEBUG off, nothing configured: the state a fresh deployment starts in."""
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings


def scrape(remote_addr: str = "127.0.0.1", **headers: str):
    return Client(REMOTE_ADDR=remote_addr).get("/metrics", **headers)


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert METRICS_TEXT not in response.content.decode()


def test_a_deployment_with_nothing_configured_shows_its_metrics_to_nobody(production):
    assert_refused(scrape("127.0.0.1"), 403, "FORBIDDEN")
    assert_refused(scrape("203.0.113.9"), 403, "FORBIDDEN")


def test_health_stays_public_where_metrics_are_refused(production):
    assert scrape("203.0.113.9").status_code == 403
    assert Client(REMOTE_ADDR="203.0.113.9").get("/health").status_code == 200


def test_debug_with_nothing_configured_allows_loopback_only(production):
    production.DEBUG = True
    for loopback in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        response = scrape(loopback)
        assert response.status_code == 200, loopback
        assert METRICS_TEXT in response.content.decode()
    assert_refused(scrape("192.168.1.20"), 403, "FORBIDDEN")


def test_the_token_lets_a_scraper_in_from_anywhere(production):
    production.METRICS_TOKEN = TOKEN
    response = scrape("203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert METRICS_TEXT in response.content.decode()


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (f"Bearer {TOKEN[:-1]}x", "INVALID_TOKEN"),
        (f"Basic {TOKEN}", "INVALID_TOKEN"),
        (None, "UNAUTHORIZED"),
    ],
)
def test_a_wrong_or_missing_token_is_a_401_that_names_the_scheme(production, authorization, code):
    production.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = scrape("203.0.113.9", **headers)
    assert_refused(response, 401, code)
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_a_configured_token_replaces_debugs_loopback_rule(production):
    production.DEBUG = True
    production.METRICS_TOKEN = TOKEN
    assert_refused(scrape("127.0.0.1"), 401, "UNAUTHORIZED")


def test_an_allowed_network_needs_no_token(production):
    production.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert scrape("10.20.30.40").status_code == 200
    assert scrape("fd00::5").status_code == 200
    assert_refused(scrape("11.0.0.1"), 403, "FORBIDDEN")
    assert_refused(scrape("127.0.0.1"), 403, "FORBIDDEN")


def test_behind_a_proxy_the_forwarded_client_address_decides(production):
    production.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    production.REST_FRAMEWORK = {**production.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy (192.0.2.1) appends the address it saw; what the client wrote before it is ignored.
    assert scrape("192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 200
    assert_refused(scrape("192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.9"), 403, "FORBIDDEN")


def test_without_proxies_a_forged_forwarded_header_changes_nothing(production):
    production.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert_refused(scrape("203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.1.1"), 403, "FORBIDDEN")


def test_metrics_cannot_be_written_to(production):
    production.METRICS_TOKEN = TOKEN
    response = Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
