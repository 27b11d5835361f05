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
def _fresh_redis():
    """Rate limits, lockouts and nonces live in Redis: every test starts with none."""
    cache.clear()
    yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(role="ADMIN")
