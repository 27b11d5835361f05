"""The analytics dashboard: the API's numbers with the table's filters, a daily P&L calendar
drawn in the HTML, and an empty state that says where the numbers come from."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client

from tests.accounts.test_pages import signed_in_client
from tests.journal.factories import JournalTradeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(user) -> Client:
    return signed_in_client(user)[0]


def closed(user, day: int, net: str, symbol: str = "BTC_USDT", hour: int = 10):
    at = datetime(2026, 3, day, hour, tzinfo=UTC)
    return JournalTradeFactory(user=user, symbol=symbol, net_pnl=Decimal(net), opened_at=at, closed_at=at)


def test_it_says_how_the_analytics_get_numbers(page):
    response = page.get("/journal/analytics")
    assert response.status_code == 200
    assert "Nothing to analyse yet." in response.text
    assert "journal-charts.js" not in response.text


def test_it_shows_the_overview_calendar_and_breakdowns(page, user):
    closed(user, 2, "120.50")
    closed(user, 2, "-20.25", symbol="ETH_USDT", hour=11)
    closed(user, 9, "-40")
    JournalTradeFactory(net_pnl=Decimal("999"))  # another trader's
    response = page.get("/journal/analytics")
    assert response.status_code == 200
    text = response.text
    assert '<dd class="pnl up">+60.25</dd>' in text
    assert '3 <span class="muted small sub">1 won · 2 lost</span>' in text
    # The calendar: March 2026, the 2nd green (+100.25 over two trades), the 9th red.
    assert "March 2026" in text
    assert 'title="Mon 2 Mar: 2 trades, +100.25 USDT"' in text
    assert 'class="day traded down level-2" title="Mon 9 Mar: 1 trade, -40.00 USDT"' in text
    assert '<span class="d">2</span><span class="v">+100</span>' in text  # what a cell has room for
    # Breakdowns and distributions, and the equity curve's data for the script.
    assert '<a href="?symbol=ETH_USDT">ETH_USDT</a>' in text
    assert 'id="equity-data"' in text
    assert [point["value"] for point in response.context["equity"]] == ["120.5", "100.25", "60.25"]
    assert len(response.context["hours"]) == 24 and [response.context["hours"][h].count for h in (10, 11)] == [2, 1]
    assert [bar.count for bar in response.context["weekdays"]] == [3, 0, 0, 0, 0, 0, 0]


def test_it_applies_the_filters_to_every_number(page, user):
    closed(user, 2, "120.50")
    closed(user, 3, "-20.25", symbol="ETH_USDT")
    response = page.get("/journal/analytics", {"symbol": "ETH_USDT"})
    assert response.context["overview"]["trade_count"] == 1
    assert [s["symbol"] for s in response.context["symbols"]] == ["ETH_USDT"]
    assert "Mon 2 Mar" not in response.text
    nothing = page.get("/journal/analytics", {"side": "sell"})
    assert "No closed trade matches these filters." in nothing.text


def test_it_refuses_a_bad_filter_on_the_page(page, user):
    closed(user, 2, "1")
    response = page.get("/journal/analytics", {"tag": "not-a-tag"})
    assert response.status_code == 400
    assert "Tag:" in response.text
