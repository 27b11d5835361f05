from __future__ import annotations

import pytest

from tests.accounts.factories import UserFactory, bearer, sign_in


@pytest.fixture
def auth(user) -> dict[str, str]:
    return bearer(sign_in(user))


@pytest.fixture
def stranger(db):
    return UserFactory()
