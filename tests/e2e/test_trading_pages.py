"""Trading in a real browser: sign in, check a ticket, place it, and watch its fill arrive live
over the WebSocket (a daphne on loopback) without the page reloading."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, expect

from apps.exchanges.paper.engine import fund_account, set_price
from apps.trades.models import OrderRole, OrderStatus, TradeGroup
from apps.trades.services.sync import sync_group
from tests.accounts.factories import UserFactory
from tests.conftest import require_binary
from tests.core.servers import BIN, daphne, free_port
from tests.e2e.conftest import save_screenshot, sign_in
from tests.exchanges.factories import ExchangeAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT_MS = 20_000


@pytest.fixture
def ws_url(transactional_db, tmp_path, settings):
    """A daphne serving `config.asgi` on a free port, on the test database; the pages point at it."""
    require_binary("daphne", str(BIN / "daphne"))
    port = free_port()
    with daphne(tmp_path, port) as web:
        web.wait_ready(timeout=30)
        # `localhost`, as the live server's pages are: the access cookie is sent to the socket.
        settings.WS_PUBLIC_URL = f"ws://localhost:{port}/ws"
        yield settings.WS_PUBLIC_URL


def as_a_worker(work: Callable[[], None]) -> None:
    """Run `work` in a thread of its own, as a Celery worker would: Playwright's event loop runs
    in the test's thread, where publishing (async_to_sync) to the channel layer is refused."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result(timeout=60)


def fill_ticket(page: Page) -> None:
    """A limit buy below the paper market (BTC_USDT at 50000), so the entry rests."""
    page.select_option("select[name=symbol]", "BTC_USDT")
    page.check("input[name=side][value=buy]")
    page.check("input[name=entry_type][value=limit]")
    page.fill("input[name=entry_price]", "49000")
    page.fill("input[name=quantity]", "0.02")
    page.fill("input[name=stop_loss_price]", "48500")
    for index, (price, quantity) in enumerate((("50000", "0.01"), ("51000", "0.01"))):
        page.fill(f"input[name=tp_price_{index}]", price)
        page.fill(f"input[name=tp_quantity_{index}]", quantity)


def test_a_trader_places_a_trade_and_sees_its_fill_arrive_live(chromium: Browser, live_server, ws_url):
    base = live_server.url
    trader = UserFactory()
    account = ExchangeAccountFactory(user=trader, label="Practice")
    fund_account(account=account)

    page = chromium.new_context().new_page()
    sign_in(page, base, trader.email, "/trade")
    fill_ticket(page)

    page.click("#check-button")
    expect(page.locator("#verdict-status")).to_have_text("Approved")
    expect(page.locator("#verdict-quantity")).to_have_text("0.02")
    expect(page.locator("#verdict-max-quantity")).to_have_text("0.2")
    expect(page.locator("[data-size-limit=max_risk_amount]")).to_contain_text("0.2")
    expect(page.locator("#verdict-risk-reward")).to_have_text("3")
    assert not TradeGroup.objects.exists()
    save_screenshot(page, "ticket-approved")

    page.click("#place-button")
    expect(page).to_have_url(f"{base}/trades")
    group = TradeGroup.objects.get(user=trader)
    entry = group.orders.get(role=OrderRole.ENTRY)
    row = page.locator(f'[data-order-id="{entry.id}"]')
    expect(row.locator("[data-field=status]")).to_have_text("OPEN")
    group_status = page.locator(f'[data-group-id="{group.id}"] [data-field=group-status]')
    expect(group_status).to_have_text("OPEN")
    expect(page.locator("[data-live]")).to_have_attribute("data-subscribed", "true", timeout=LIVE_TIMEOUT_MS)
    # Gone if the page were reloaded: the fill must arrive over the socket.
    page.evaluate("window.stillTheSamePage = true")

    # The market trades through the entry; the sync worker's pass finds the fill and publishes it.
    def trade_through_the_entry() -> None:
        set_price(symbol="BTC_USDT", price=Decimal("48900"))
        sync_group(group_id=group.id)

    as_a_worker(trade_through_the_entry)
    entry.refresh_from_db()
    assert entry.status == OrderStatus.FILLED

    expect(row.locator("[data-field=status]")).to_have_text("FILLED", timeout=LIVE_TIMEOUT_MS)
    expect(row.locator("[data-field=filled]")).to_have_text("0.02")
    expect(page.locator("#live-feed")).to_contain_text(re.compile(r"BTC_USDT entry filled at 49000"))
    expect(group_status).to_have_text("ACTIVE", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.stillTheSamePage") is True
    # Kept for a person to look at after a run: the trades page with a live fill.
    save_screenshot(page, "trades-live-fill")


def test_the_ticket_shows_a_rejection_before_anything_is_sent(chromium: Browser, live_server):
    base = live_server.url
    trader = UserFactory()
    fund_account(account=ExchangeAccountFactory(user=trader))

    page = chromium.new_context().new_page()
    sign_in(page, base, trader.email, "/trade")
    fill_ticket(page)
    page.fill("input[name=stop_loss_price]", "")
    page.fill("input[name=leverage]", "50")
    page.click("#check-button")
    expect(page.locator("#verdict-status")).to_have_text("Rejected")
    expect(page.locator("#violations [data-rule=stop_loss_required]")).to_be_visible()
    expect(page.locator("#violations [data-rule=leverage]")).to_be_visible()
    expect(page).to_have_url(f"{base}/trade")  # checked in place: the form kept its key
    assert not TradeGroup.objects.exists()
