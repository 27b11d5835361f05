"""The ticket a trader understands, in a real browser: the market's live price, the available
balance and a candle chart that the paper feed moves; the decision panel's limits in words
with their units; errors beside their fields, all at once."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.exchanges.paper import candles
from apps.exchanges.paper.engine import fund_account
from apps.exchanges.paper.feed import tick_market
from apps.trades.models import TradeGroup
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.test_trading_pages import LIVE_TIMEOUT_MS, as_a_worker, fill_ticket, ws_url  # noqa: F401
from tests.exchanges.factories import ExchangeAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

# The candle colours of desk-market.js (up, down), as a canvas holds them.
CANDLE_COLOURS = ((17, 122, 69), (180, 35, 24))

CANDLES_DRAWN = """(colours) => {
  for (const canvas of document.querySelectorAll('[data-chart] canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let hits = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (colours.some(([r, g, b]) => pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b)) hits += 1;
    }
    if (hits > 50) return true;
  }
  return false;
}"""


def record_history(minutes: int = 40) -> None:
    """One-minute candles for the USDT paper markets, ending a minute ago: rising and falling
    minutes in turn, each with a wick either side."""
    now = candles.period_start(timezone.now())
    opening = {"BTC_USDT": Decimal("49800"), "ETH_USDT": Decimal("3000"), "SOL_USDT": Decimal("150")}
    for minute in range(minutes, 0, -1):
        at = now - timedelta(minutes=minute)
        move = Decimal(1 if minute % 3 else -1) * Decimal("0.0004")
        path = (Decimal(0), Decimal("0.0006"), Decimal("-0.0006"), move)
        for tick, change in enumerate(path):
            base = {s: p * (1 + Decimal("0.0001") * (minute % 7)) for s, p in opening.items()}
            candles.record({s: (p * (1 + change)).quantize(Decimal("0.01")) for s, p in base.items()},
                           at=at + timedelta(seconds=tick * 10))  # fmt: skip


def trader_with_paper() -> tuple:
    trader = UserFactory()
    fund_account(account=ExchangeAccountFactory(user=trader, label="Practice"))
    return trader


def open_ticket(chromium: Browser, base: str, trader, *, width: int = 1280) -> Page:
    page = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(page, base, trader.email, "/trade")
    return page


def test_the_ticket_shows_the_live_price_balance_and_a_chart(chromium: Browser, live_server, ws_url):  # noqa: F811
    record_history()
    trader = trader_with_paper()
    page = open_ticket(chromium, live_server.url, trader)

    market = page.locator("#market")
    expect(market.locator("[data-market-symbol]")).to_have_text("BTC_USDT")
    expect(page.locator("#market-price")).to_have_text("50000")
    expect(page.locator("#market-balance")).to_have_text("100000")
    expect(market.locator("[data-live-state]")).to_have_text("live", timeout=LIVE_TIMEOUT_MS)
    # The symbol is picked from the account's markets, grouped by quote asset.
    options = page.locator("select[name=symbol] option").all_text_contents()
    assert options == ["ETH_USDC", "BTC_USDT", "ETH_USDT", "SOL_USDT"]
    assert page.locator("select[name=symbol] optgroup").evaluate_all("gs => gs.map(g => g.label)") == ["USDC", "USDT"]

    # The chart: forty recorded minutes drawn as candles on its canvas.
    page.wait_for_function("() => window.HavenCapDesk && window.HavenCapDesk.bars >= 40")
    page.wait_for_function(CANDLES_DRAWN, arg=[list(c) for c in CANDLE_COLOURS])
    expect(market.locator("[data-chart-note]")).to_have_text("")

    # The paper feed ticks: the price moves on the page, and so does the chart's last candle.
    page.evaluate("window.stillTheSamePage = true")
    shown = "50000"
    for _ in range(8):
        as_a_worker(tick_market)
        try:
            expect(page.locator("#market-price")).not_to_have_text(shown, timeout=3000)
            break
        except AssertionError:
            continue  # a tick too small for the price step: tick again
    moved = page.locator("#market-price").text_content()
    assert moved != shown and re.fullmatch(r"\d+(\.\d)?", moved)
    assert page.evaluate("window.HavenCapDesk.ticks") >= 1
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.get_attribute("input[name=entry_price]", "placeholder") == f"market {moved}"
    save_screenshot(page, "desk-ticket-live")

    # Another symbol: its price, chart and stream, without reloading the form.
    page.fill("input[name=quantity]", "3")
    page.select_option("select[name=symbol]", "SOL_USDT")
    expect(market.locator("[data-market-symbol]")).to_have_text("SOL_USDT")
    expect(page.locator("#market-price")).to_have_text(re.compile(r"^1\d\d(\.\d+)?$"))
    page.wait_for_function("() => window.HavenCapDesk.state.symbol === 'SOL_USDT' && window.HavenCapDesk.bars >= 40")
    assert page.input_value("input[name=quantity]") == "3"
    assert "symbol=SOL_USDT" in page.url


def test_a_market_without_history_says_it_is_collecting_prices(chromium: Browser, live_server, ws_url):  # noqa: F811
    trader = trader_with_paper()
    page = open_ticket(chromium, live_server.url, trader)
    note = page.locator("#market [data-chart-note]")
    expect(note).to_contain_text("Collecting prices")
    page.wait_for_function("() => window.HavenCapDesk && window.HavenCapDesk.bars === 1")
    page.wait_for_function(CANDLES_DRAWN, arg=[list(c) for c in CANDLE_COLOURS])
    save_screenshot(page, "desk-ticket-collecting")


def test_the_decision_panel_names_each_limit_with_its_unit(chromium: Browser, live_server):
    trader = trader_with_paper()
    page = open_ticket(chromium, live_server.url, trader)
    fill_ticket(page)
    page.fill("input[name=leverage]", "10")
    page.click("#check-button")

    expect(page.locator("#verdict-status")).to_have_text("Rejected")
    expect(page.locator("#violations [data-rule=leverage]")).to_contain_text("Leverage 10x is above the maximum 5x")
    limits = {
        "account_risk": ("max size by account risk 1%", "2 BTC"),
        "max_risk_amount": ("max size by max risk 100 USDT", "0.2 BTC"),
        "max_position_size": ("max size by max position size", "— no cap set"),
        "leverage": ("max size by max leverage 5x equity", "10.204 BTC"),
    }
    for name, (label, value) in limits.items():
        expect(page.locator(f"[data-size-limit-label={name}] > span").first).to_have_text(label)
        expect(page.locator(f"[data-size-limit={name}]")).to_have_text(value)
    expect(page.locator("[data-size-limit-label=max_risk_amount] [data-binding]")).to_have_text("sets the maximum")
    expect(page.locator("#verdict-quantity")).to_have_text("0.02")
    expect(page.locator("#verdict-risk-amount")).to_have_text("10")
    save_screenshot(page, "desk-ticket-limits")
    assert not TradeGroup.objects.exists()


def test_errors_name_their_fields_beside_them_all_at_once(chromium: Browser, live_server):
    trader = trader_with_paper()
    page = open_ticket(chromium, live_server.url, trader)
    fill_ticket(page)
    page.fill("input[name=quantity]", "0.02x")  # a parse error...
    page.fill("input[name=stop_loss_price]", "49500")  # ...and a range error: a buy's stop above its entry
    page.fill("input[name=tp_price_1]", "48000")  # a target below the entry of a buy
    page.fill("input[name=tp_quantity_1]", "-1")  # ...with a negative quantity
    page.click("#check-button")

    expect(page.locator("[data-field-name=quantity] .errorlist")).to_have_text("Quantity must be a number, like 0.25.")
    expect(page.locator("[data-field-name=stop_loss_price] .errorlist")).to_have_text(
        "Stop-loss must be below the entry price for a buy."
    )
    expect(page.locator("[data-field-name=quantity]")).to_have_class(re.compile(r"\bhas-error\b"))
    row = page.locator("tr[data-ladder-row='2']")
    expect(row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(row.locator("input[name=tp_quantity_1]")).to_have_attribute("aria-invalid", "true")
    errors = page.locator("[data-ladder-errors='2']")
    expect(errors).to_contain_text("Target 2 price must be above the entry price for a buy.")
    expect(errors).to_contain_text("Target 2 quantity must not be negative.")
    expect(page.locator("tr[data-ladder-row='1']")).not_to_have_class(re.compile(r"\bhas-error\b"))
    expect(page).to_have_url(f"{live_server.url}/trade")  # checked in place
    save_screenshot(page, "desk-ticket-errors")

    # Fixed, the ticket checks clean and the marks go.
    page.fill("input[name=quantity]", "0.02")
    page.fill("input[name=stop_loss_price]", "48500")
    page.fill("input[name=tp_price_1]", "51000")
    page.fill("input[name=tp_quantity_1]", "0.01")
    page.click("#check-button")
    expect(page.locator("#verdict-status")).to_have_text("Approved")
    expect(page.locator("#ticket .errorlist")).to_have_count(0)
    expect(page.locator("#ticket .has-error")).to_have_count(0)
