"""The journal in a real browser, on the demo seed's closed trades: the analytics page draws the
equity curve and the daily P&L calendar, a trade's page draws the trade on a price chart, and
every page fits a phone (390 px) under the Content-Security-Policy."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.exchanges.models import PaperCandle
from apps.journal.demo import seed_demo_journal
from apps.journal.models import JournalTrade
from apps.trades.models import Fill
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.test_desk_trades import NO_PAGE_OVERFLOW, PHONE, STICKING_OUT
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A canvas the chart library drew into, with a size: what "the chart is drawn" means here.
CANVAS_SIZE = """(selector) => [...document.querySelectorAll(selector + ' canvas')]
  .map((c) => c.width * c.height).reduce((a, b) => Math.max(a, b), 0)"""


@pytest.fixture
def demo_trader():
    trader = UserFactory()
    account = FundedPaperAccountFactory(user=trader, label="Paper")
    seed_demo_journal(user=trader, account=account)
    return trader


def phone_page(chromium: Browser, base: str, user, path: str) -> Page:
    page = chromium.new_context(viewport=PHONE).new_page()
    sign_in(page, base, user.email, path)
    return page


def assert_fits(page: Page) -> None:
    assert page.evaluate(NO_PAGE_OVERFLOW), page.evaluate(STICKING_OUT)


def test_the_analytics_page_draws_the_equity_curve_and_the_calendar(chromium: Browser, live_server, demo_trader):
    page = phone_page(chromium, live_server.url, demo_trader, "/journal/analytics")
    chart = page.locator("[data-equity-chart]")
    expect(chart).to_have_attribute("data-drawn", str(JournalTrade.objects.filter(user=demo_trader).count()))
    assert page.evaluate(CANVAS_SIZE, "[data-equity-chart]") > 10_000
    days = page.locator("#calendar td.day.traded")
    assert days.count() >= 20
    expect(days.first.locator(".v")).to_have_text(re.compile(r"^[+-]\d+(\.\dk)?$"))
    expect(page.locator("#calendar td.day.traded.up").first).to_be_visible()
    expect(page.locator("#calendar td.day.traded.down").first).to_be_visible()
    expect(page.locator("#overview dd").first).to_have_text(re.compile(r"^[+-]?\d+\.\d\d$"))
    assert_fits(page)
    save_screenshot(page, "journal-analytics-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("#calendar td.day.traded").first).to_be_visible()
    save_screenshot(page, "journal-analytics-1280")


def market_over(trade: JournalTrade, *, since, until) -> None:
    """One-minute paper candles that move from the trade's entry to its exit over its life."""
    span = (trade.closed_at - trade.opened_at).total_seconds()
    wiggle = trade.entry_price / 1000
    candles, at = [], since
    while at <= until:
        done = min(max((at - trade.opened_at).total_seconds() / span, 0), 1)
        price = trade.entry_price + (trade.exit_price - trade.entry_price) * Decimal(str(done))
        step = wiggle * (len(candles) % 5 - 2) / 2
        candles.append(
            PaperCandle(
                symbol=trade.symbol,
                opened_at=at,
                open=price - step,
                close=price + step,
                high=price + abs(step) + wiggle,
                low=price - abs(step) - wiggle,
            )
        )
        at += timedelta(minutes=1)
    PaperCandle.objects.bulk_create(candles)


def move_to_the_last_hour(trade: JournalTrade) -> JournalTrade:
    """The trade and its fills shifted to have closed ten minutes ago, within the paper
    exchange's two days of candles."""
    shift = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10) - trade.closed_at
    Fill.objects.filter(
        user=trade.user, symbol=trade.symbol, executed_at__gte=trade.opened_at, executed_at__lte=trade.closed_at
    ).update(executed_at=F("executed_at") + shift)
    JournalTrade.objects.filter(id=trade.id).update(opened_at=F("opened_at") + shift, closed_at=F("closed_at") + shift)
    trade.refresh_from_db()
    return trade


def test_a_trade_page_draws_the_trade_on_its_market(chromium: Browser, live_server, demo_trader):
    # The demo's trades are older than the paper exchange's two days of candles: drawn from
    # their fills. One moved into the last hour, with candles, is drawn on the market.
    planned = JournalTrade.objects.filter(user=demo_trader, trade_group__isnull=False)
    trade = planned.filter(duration_seconds__lt=3600).order_by("-closed_at").first()
    page = phone_page(chromium, live_server.url, demo_trader, f"/journal/trades/{trade.id}")
    chart = page.locator("[data-trade-chart]")
    expect(chart).to_have_attribute("data-drawn", "fills")
    assert page.evaluate(CANVAS_SIZE, "[data-trade-chart]") > 10_000
    expect(page.locator(".chart-legend li")).to_have_count(4)  # entry, stop, target, exit
    assert_fits(page)
    save_screenshot(page, "journal-trade-fills-390")

    trade = move_to_the_last_hour(trade)
    market_over(trade, since=trade.opened_at - timedelta(minutes=30), until=timezone.now())
    page.reload()
    expect(chart).to_have_attribute("data-drawn", "candles")
    expect(page.locator("[data-chart-note]")).to_be_empty()
    assert_fits(page)
    save_screenshot(page, "journal-trade-candles-390")


def test_the_journal_table_and_entries_fit_a_phone(chromium: Browser, live_server, demo_trader):
    page = phone_page(chromium, live_server.url, demo_trader, "/journal")
    expect(page.locator("tr[data-trade-id]")).to_have_count(25)
    expect(page.locator(".pager")).to_contain_text("Page 1 of 3")
    # Entry, exit and fees give way to what fits; the page says where they are.
    expect(page.locator("th", has_text="Fees")).to_be_hidden()
    expect(page.get_by_text("are on each trade's page")).to_be_visible()
    expect(page.locator("tr[data-trade-id] .tags.phone-only").first).to_be_visible()
    assert_fits(page)
    save_screenshot(page, "journal-list-390")

    page.goto(f"{live_server.url}/journal/entries")
    page.click("text=Plan for the month")
    expect(page.locator(".markdown table")).to_be_visible()
    assert_fits(page)
    save_screenshot(page, "journal-entry-390")


def test_an_empty_journal_says_how_trades_get_there(chromium: Browser, live_server):
    trader = UserFactory()
    page = phone_page(chromium, live_server.url, trader, "/journal/analytics")
    expect(page.locator("#analytics-empty")).to_contain_text("Nothing to analyse yet")
    assert_fits(page)
    save_screenshot(page, "journal-analytics-empty-390")
