"""The scoped rate limits, counted atomically in Redis, under real concurrency."""

from __future__ import annotations

import time

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.core.throttling import AtomicScopedRateThrottle
from tests.core.threaded_wsgi import post_together, threaded_wsgi_server

ATTEMPTS = 50


def login(api, email: str, **extra):
    return api.post("/api/auth/login", {"email": email, "password": "wrong-password-x"}, format="json", **extra)


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_the_rate_through_when_fifty_logins_race(throttle_rates):
    throttle_rates(login="20/min")
    bodies = [{"email": f"racer{i}@example.com", "password": "wrong-password-x"} for i in range(ATTEMPTS)]
    with threaded_wsgi_server() as base_url:
        responses = post_together(f"{base_url}/api/auth/login", bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 20 + [429] * 30
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json() == {"error": "Too many requests. Try again later.", "code": "429"}
    assert 0 < int(refused.headers["Retry-After"]) <= 61


@pytest.mark.django_db
def test_a_slot_frees_when_the_oldest_request_leaves_the_window(api, throttle_rates):
    throttle_rates(login="2/s")
    assert [login(api, "a@example.com").status_code for _ in range(2)] == [401, 401]
    refused = login(api, "a@example.com")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) in (1, 2)
    time.sleep(1.05)
    assert login(api, "a@example.com").status_code == 401


@pytest.mark.django_db
def test_a_refused_request_does_not_push_the_window_back(api, throttle_rates):
    throttle_rates(login="1/s")
    assert login(api, "a@example.com").status_code == 401
    time.sleep(0.6)
    assert login(api, "a@example.com").status_code == 429
    time.sleep(0.5)
    assert login(api, "a@example.com").status_code == 401


@pytest.mark.django_db
def test_each_client_address_has_its_own_count(api, throttle_rates):
    throttle_rates(login="1/min")
    assert login(api, "a@example.com", REMOTE_ADDR="10.0.0.1").status_code == 401
    assert login(api, "a@example.com", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert login(api, "a@example.com", REMOTE_ADDR="10.0.0.2").status_code == 401


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_reset_the_count(api, throttle_rates, settings):
    throttle_rates(login="1/min")
    assert login(api, "a@example.com", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 401
    assert login(api, "a@example.com", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(api, throttle_rates, settings):
    throttle_rates(login="1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert login(api, "a@example.com", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 401
    assert login(api, "a@example.com", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429
    assert login(api, "a@example.com", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 401


@pytest.mark.django_db
def test_a_scope_without_a_rate_is_not_limited(api, throttle_rates):
    throttle_rates(login=None)
    assert {login(api, f"a{i}@example.com").status_code for i in range(30)} == {401}


def _views(patterns=None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
            if isinstance(view_class, type) and issubclass(view_class, APIView):
                yield entry.pattern, view_class


def test_every_scoped_view_is_counted_atomically(settings):
    scoped = {str(pattern): view for pattern, view in _views() if getattr(view, "throttle_scope", None)}
    assert {"auth/login", "auth/register", "auth/nonce", "auth/verify-siwe", "auth/extension-pair"} <= set(scoped)
    for pattern, view in scoped.items():
        throttles = view().get_throttles()
        assert any(isinstance(t, AtomicScopedRateThrottle) for t in throttles), pattern
        assert view.throttle_scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], pattern


def test_no_view_counts_with_a_read_then_write_throttle():
    for pattern, view in _views():
        assert not any(isinstance(t, SimpleRateThrottle) for t in view().get_throttles()), str(pattern)
