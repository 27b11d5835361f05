"""Browsers come and go on the WebSocket without the ws process logging a traceback."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import require_binary
from tests.core.servers import BIN, daphne, free_port
from tests.e2e.conftest import save_screenshot
from tests.e2e.test_account_secrets import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

TABS = 20
# Longer than one of channels-redis's blocking reads (5 s), so each socket waits on Redis idle.
IDLE_SECONDS = 7


def test_twenty_tabs_connect_idle_and_close_without_a_traceback(chromium: Browser, live_server, tmp_path, settings):
    from tests.accounts.factories import UserFactory

    require_binary("daphne", str(BIN / "daphne"))
    port = free_port()
    with daphne(tmp_path, port) as ws:
        ws.wait_ready(timeout=30)
        settings.WS_PUBLIC_URL = f"ws://localhost:{port}/ws"
        first = signed_in(chromium, live_server.url, UserFactory().email)
        tabs = [first.context.new_page() for _ in range(TABS)]
        for tab in tabs:
            tab.goto(f"{live_server.url}/trades")
        for tab in tabs:
            expect(tab.locator("[data-live]")).to_have_attribute("data-subscribed", "true", timeout=20_000)
        save_screenshot(tabs[-1], "trades-one-of-twenty-tabs")
        time.sleep(IDLE_SECONDS)
        for tab in tabs:
            tab.close()
        time.sleep(2)
        log = ws.output(last=200_000)

    assert "Traceback" not in log, log[-3000:]
    assert "ERROR" not in log, log[-3000:]
