from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from tests.accounts.factories import PASSWORD
from tests.conftest import require_binary

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture
def chromium(monkeypatch):
    """A headless Debian chromium driven by Playwright; skipped when chromium is missing."""
    executable = require_binary("chromium", "/usr/bin/chromium")
    # Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls
    # from a thread with a running loop unless told that this is deliberate (for this test only).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs in this thread get their own
            # connection (asgiref's Local sees another context); close it, or it outlives the
            # test and blocks the test database's teardown.
            connections.close_all()


SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def save_screenshot(page: Page, name: str) -> Path:
    """Keep what the page shows for a person to judge after the run: `var/screenshots/<name>.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


# Where a trader lands after signing in without a `next`.
DESK = "/trade"


def sign_in(page: Page, base: str, email: str, next_path: str | None = None) -> None:
    """Sign in on the login page with the factories' password, and arrive at `next_path` (the
    desk when none is asked for)."""
    page.goto(f"{base}/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button:has-text('Sign in')")
    expect(page).to_have_url(f"{base}{next_path or DESK}")


def register(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/register")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Create account')")
