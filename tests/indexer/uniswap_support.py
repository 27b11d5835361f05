from __future__ import annotations

import os

import pytest

from apps.indexer.uniswap import artifacts


def require_uniswap_artifacts() -> None:
    """Skips the test when the @uniswap npm packages are not installed (fails it under REQUIRE_ALL=1)."""
    if artifacts.installed():
        return
    message = f"the Uniswap v3 npm packages are not in {artifacts.NODE_MODULES} (npm ci installs them)"
    if os.environ.get("REQUIRE_ALL") == "1":
        pytest.fail(message)
    pytest.skip(message)
