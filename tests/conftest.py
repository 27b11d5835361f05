from __future__ import annotations

import os
import shutil

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory


def require_binary(name: str, path: str | None = None) -> str:
    """The binary's path; a missing one skips the test, or fails it under REQUIRE_ALL=1 (CI)."""
    found = path if path and os.path.exists(path) else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (CI installs it; see .ci/run)"
    if os.environ.get("REQUIRE_ALL") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits, lockouts and nonces live in the Redis cache: every test starts with none.
    Only the cache's own keys go; the channel layer and the Celery broker are left alone."""
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_indexed_position():
    """The jobs API reads the indexer's position once a second per process: every test starts
    without a position read by the one before (whose rows are gone)."""
    from apps.jobs.api.freshness import indexed_position

    indexed_position.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength costs ~0.3 s per hash; tests need the behaviour, not the cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(role="ADMIN")


@pytest.fixture
def throttle_rates(settings):
    """Set some throttle scopes' rates for one test: `throttle_rates(login="3/min")`.
    The throttle reads REST_FRAMEWORK at each request, so a live server in this process sees it too."""

    def set_rates(**rates: str | None) -> None:
        current = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {
            **current,
            "DEFAULT_THROTTLE_RATES": {**current["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates
