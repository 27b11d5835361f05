from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

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


# Every page reports what its Content-Security-Policy blocked, so a test fails on it instead of
# the page silently losing a script, a style or its WebSocket.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
    + ` in ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
});
"""
CSP_REFUSAL = re.compile(r"^(CSP violation:|Refused to )")


class CspWatch:
    """Collects the CSP refusals of every page of every context a test's browser opens."""

    def __init__(self, browser: Browser) -> None:
        self.refusals: list[str] = []
        new_context, new_page = browser.new_context, browser.new_page

        def watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
            return self.watch(new_context(*args, **kwargs))

        def watched_page(*args: Any, **kwargs: Any) -> Page:
            page = new_page(*args, **kwargs)
            self.watch(page.context)
            return page

        browser.new_context = watched_context  # type: ignore[method-assign]
        browser.new_page = watched_page  # type: ignore[method-assign]

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self._console)
        return context

    def _console(self, message: ConsoleMessage) -> None:
        if CSP_REFUSAL.match(message.text):
            self.refusals.append(f"{message.text} ({message.location.get('url', '')})")


@pytest.fixture
def browser_and_csp(monkeypatch):
    """A headless Debian chromium driven by Playwright, and the CSP refusals its pages report;
    skipped when chromium is missing."""
    executable = require_binary("chromium", "/usr/bin/chromium")
    # Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls
    # from a thread with a running loop unless told that this is deliberate (for this test only).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser, CspWatch(browser)
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs in this thread get their own
            # connection (asgiref's Local sees another context); close it, or it outlives the
            # test and blocks the test database's teardown.
            connections.close_all()


@pytest.fixture
def chromium(browser_and_csp):
    """The browser; a test whose pages hit a Content-Security-Policy refusal fails."""
    browser, csp = browser_and_csp
    yield browser
    if csp.refusals:
        pytest.fail("The Content-Security-Policy refused:\n" + "\n".join(dict.fromkeys(csp.refusals)))


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
