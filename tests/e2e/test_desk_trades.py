"""The trades pages in a real browser: a trade placed from another browser appears on /trades
without a reload and its P&L and R follow the ticker; cancelling asks first and says what will
happen; the desk fits a phone; a viewer sees no write control and is told why."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.core.streams import publish
from apps.exchanges.paper.engine import fund_account, set_price
from apps.trades.models import GroupStatus, OrderRole, OrderStatus, TradeGroup
from apps.trades.services.sync import sync_group
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.test_trading_pages import LIVE_TIMEOUT_MS, as_a_worker, fill_ticket, ws_url  # noqa: F401
from tests.exchanges.factories import ExchangeAccountFactory
from tests.trades.factories import OrderFactory, TradeGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

NO_PAGE_OVERFLOW = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
# What sticks out past the right edge, outside any scrolling box: named in a failure.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter((e) => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 8)
  .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className ? '.' + String(e.className).trim().replace(/ +/g, '.') : ''))"""


def browser_of(chromium: Browser, base: str, user, path: str, **context) -> Page:
    """A browser of its own (its own cookies), signed in as `user`, on `path`."""
    page = chromium.new_context(**context).new_page()
    sign_in(page, base, user.email, path)
    return page


def place_from_the_ticket(page: Page) -> None:
    fill_ticket(page)
    page.click("#place-button")
    expect(page.locator(".message.success")).to_contain_text("Trade placed")


def fill_the_entry(group: TradeGroup) -> None:
    """The market trades through the entry (49000) and the sync worker sees the fill."""

    def work() -> None:
        set_price(symbol="BTC_USDT", price=Decimal("48900"))
        sync_group(group_id=group.id)

    as_a_worker(work)


def ticker(price: str) -> None:
    """A ticker event for BTC_USDT at `price`, as the market feed publishes it."""
    event = {"e": "ticker", "s": "BTC_USDT", "c": price, "E": int(time.time() * 1000)}
    as_a_worker(lambda: publish("ticker.BTC_USDT", event))


def test_trades_gain_a_row_placed_from_another_browser_and_follow_its_pnl(chromium: Browser, live_server, ws_url):  # noqa: F811
    base = live_server.url
    trader = UserFactory()
    fund_account(account=ExchangeAccountFactory(user=trader, label="Practice"))

    watching = browser_of(chromium, base, trader, "/trades")
    expect(watching.locator("[data-no-open-trades]")).to_be_visible()
    expect(watching.locator("[data-live]")).to_have_attribute("data-subscribed", "true", timeout=LIVE_TIMEOUT_MS)
    watching.evaluate("window.stillTheSamePage = true")

    placing = browser_of(chromium, base, trader, "/trade")
    place_from_the_ticket(placing)
    group = TradeGroup.objects.get(user=trader)

    row = watching.locator(f'tbody.trade-group[data-group-id="{group.id}"]')
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(row.locator("[data-field=group-status]")).to_have_text("OPEN")
    expect(watching.locator("[data-no-open-trades]")).to_be_hidden()
    expect(row.locator("[data-live-pnl]")).to_have_text("—")  # nothing filled yet
    entry = group.orders.get(role=OrderRole.ENTRY)

    fill_the_entry(group)
    expect(row.locator(f'[data-order-id="{entry.id}"] [data-field=status]')).to_have_text(
        "FILLED", timeout=LIVE_TIMEOUT_MS
    )
    expect(row.locator("[data-field=group-status]")).to_have_text("ACTIVE", timeout=LIVE_TIMEOUT_MS)
    expect(row.locator("[data-field=group-filled]")).to_have_text("0.02")

    # Bought 0.02 at 49000 (0.392 USDT of fees) with the stop at 48500, 10 USDT at risk: at
    # 49500 it is up 10 - 0.392 = 9.61 USDT, 0.96R; at 48750 down 5.39 USDT, -0.54R.
    ticker("49500")
    expect(row.locator("[data-live-pnl]")).to_have_text("+9.61", timeout=LIVE_TIMEOUT_MS)
    expect(row.locator("[data-live-r]")).to_have_text("+0.96R")
    ticker("48750")
    expect(row.locator("[data-live-pnl]")).to_have_text("-5.39", timeout=LIVE_TIMEOUT_MS)
    expect(row.locator("[data-live-r]")).to_have_text("-0.54R")
    expect(row.locator("[data-live-pnl]")).to_have_class(re.compile(r"\bdown\b"))
    assert watching.evaluate("window.stillTheSamePage") is True
    save_screenshot(watching, "desk-trades-live-row")


def test_cancelling_asks_first_and_says_what_will_happen(chromium: Browser, live_server):
    base = live_server.url
    trader = UserFactory()
    fund_account(account=ExchangeAccountFactory(user=trader, label="Practice"))
    page = browser_of(chromium, base, trader, "/trade")
    place_from_the_ticket(page)
    group = TradeGroup.objects.get(user=trader)
    fill_the_entry(group)
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE
    before = sorted(group.orders.values_list("id", "status"))

    page.goto(f"{base}/trades/{group.id}")
    page.click("#cancel-trade")
    expect(page).to_have_url(f"{base}/trades/{group.id}/cancel")
    expect(page.locator("h1")).to_have_text("Cancel this trade?")
    consequences = page.locator("[data-consequences]")
    expect(consequences.locator("[data-closes-position]")).to_contain_text(
        "close the filled position of 0.02 BTC at market"
    )
    expect(consequences.locator("[data-closes-position]")).to_contain_text("about 48900 USDT now")
    expect(consequences).to_contain_text("cancel the stop-loss")
    expect(consequences).to_contain_text("cancel the target 1")
    expect(page.locator("#confirm-cancel-button")).to_have_text("Cancel and close at market")
    save_screenshot(page, "desk-cancel-confirmation")

    # Dismissing it changes nothing.
    page.click("#keep-trade")
    expect(page).to_have_url(f"{base}/trades/{group.id}")
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE
    assert sorted(group.orders.values_list("id", "status")) == before

    # Confirming it closes the trade.
    page.click("#cancel-trade")
    page.click("#confirm-cancel-button")
    expect(page).to_have_url(f"{base}/trades/{group.id}")
    group.refresh_from_db()
    assert group.close_reason
    assert group.orders.filter(role=OrderRole.CLOSE).exists()


def test_the_desk_fits_a_phone(chromium: Browser, live_server, ws_url):  # noqa: F811
    base = live_server.url
    trader = UserFactory()
    fund_account(account=ExchangeAccountFactory(user=trader, label="Practice"))
    page = browser_of(chromium, base, trader, "/trade", viewport=PHONE)
    place_from_the_ticket(page)  # lands on /trades with the new trade
    group = TradeGroup.objects.get(user=trader)

    for path, name in (
        ("/trade", "desk-phone-ticket"),
        ("/trades", "desk-phone-trades"),
        (f"/trades/{group.id}", "desk-phone-trade"),
    ):
        page.goto(f"{base}{path}")
        if path == "/trade":
            fill_ticket(page)
            page.click("#check-button")
            expect(page.locator("#verdict-status")).to_have_text("Approved")
            page.wait_for_function("() => window.HavenCapDesk && window.HavenCapDesk.bars >= 1")
        save_screenshot(page, name)
        assert page.evaluate(NO_PAGE_OVERFLOW), f"{path} is wider than the phone: {page.evaluate(STICKING_OUT)}"
        # Wide tables scroll inside their own wrapper, never the page.
        for wrapper in page.locator(".table-scroll").all():
            assert wrapper.evaluate("w => getComputedStyle(w).overflowX") == "auto"
            assert wrapper.evaluate("w => w.getBoundingClientRect().right <= window.innerWidth + 0.5")
    page.goto(f"{base}/trades")
    table = page.locator("#open-trades .table-scroll")
    assert table.evaluate("w => w.scrollWidth > w.clientWidth"), "the trades table should scroll inside its box"


def test_a_viewer_sees_the_desk_without_write_controls(chromium: Browser, live_server, ws_url):  # noqa: F811
    base = live_server.url
    viewer = UserFactory(role="VIEWER")
    account = ExchangeAccountFactory(user=viewer, label="Watched")
    fund_account(account=account)
    group = TradeGroupFactory(
        user=viewer,
        exchange_account=account,
        status=GroupStatus.OPEN,
        entry_price=Decimal("49000"),
        stop_loss_price=Decimal("48500"),
        quantity=Decimal("0.02"),
    )
    OrderFactory(
        user=viewer,
        exchange_account=account,
        group=group,
        role=OrderRole.ENTRY,
        status=OrderStatus.OPEN,
        quantity=Decimal("0.02"),
    )
    why = "Viewers may look but not trade"

    page = browser_of(chromium, base, viewer, "/trade")
    expect(page.locator("[data-read-only]")).to_contain_text(why)
    expect(page.locator("#market-price")).to_have_text("50000")  # what a viewer may see
    expect(page.locator("#place-button")).to_have_count(0)
    expect(page.locator("#check-button")).to_have_count(0)
    for control in page.locator("form[data-ticket] input:not([type=hidden]), form[data-ticket] select").all():
        expect(control).to_be_disabled()
    save_screenshot(page, "desk-viewer-ticket")

    page.goto(f"{base}/trades")
    expect(page.locator("[data-read-only]")).to_contain_text(why)
    expect(page.locator("a", has_text="New trade")).to_have_count(0)
    expect(page.locator(f'tbody.trade-group[data-group-id="{group.id}"]')).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    save_screenshot(page, "desk-viewer-trades")

    page.goto(f"{base}/trades/{group.id}")
    expect(page.locator("#manage [data-read-only]")).to_contain_text(why)
    expect(page.locator("#cancel-trade")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
    page.goto(f"{base}/trades/{group.id}/cancel")
    expect(page.locator("[data-read-only]")).to_contain_text(why)
    expect(page.locator("#confirm-cancel-button")).to_have_count(0)
    group.refresh_from_db()
    assert group.status == GroupStatus.OPEN
