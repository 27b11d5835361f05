"""A journal trade's chart: the market's candles around it when the venue still has them, at a
timeframe whose history reaches back to it; the trade's own fills, and a note, when not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.exchanges.models import PaperCandle
from apps.journal.page_rows import trade_line
from apps.journal.selectors import journal_trade
from apps.journal.trade_chart import timeframe_for, trade_chart
from tests.journal.factories import JournalTradeFactory
from tests.trades.factories import OrderFactory, TradeGroupFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("opened_ago", "held", "expected"),
    [
        (timedelta(hours=1), timedelta(minutes=20), "1m"),
        (timedelta(days=1), timedelta(hours=2), "5m"),
        (timedelta(days=20), timedelta(hours=3), "1h"),
        (timedelta(days=400), timedelta(days=2), "1d"),
        (timedelta(days=900), timedelta(days=2), None),
    ],
)
def test_it_picks_the_finest_timeframe_that_reaches_back_to_the_trade(opened_ago, held, expected):
    opened = NOW - opened_ago
    assert timeframe_for(opened, opened + held, NOW) == expected


def line(trade):
    return trade_line(journal_trade(user=trade.user, trade_id=trade.id))


def test_it_draws_a_recent_paper_trade_on_the_markets_candles_with_its_targets():
    now = timezone.now().replace(second=0, microsecond=0)
    opened = now - timedelta(minutes=40)
    group = TradeGroupFactory()
    OrderFactory(
        group=group,
        user=group.user,
        exchange_account=group.exchange_account,
        role="TAKE_PROFIT",
        target_index=0,
        price=Decimal("120"),
    )
    trade = JournalTradeFactory(
        user=group.user,
        exchange_account=group.exchange_account,
        trade_group=group,
        opened_at=opened,
        closed_at=opened + timedelta(minutes=20),
        duration_seconds=1200,
    )
    PaperCandle.objects.bulk_create(
        PaperCandle(symbol="BTC_USDT", opened_at=now - timedelta(minutes=m), open=100, high=111, low=99, close=105)
        for m in range(0, 60)
    )
    chart = trade_chart(user=trade.user, trade=line(trade), now=now)
    assert chart.timeframe == "1m"
    assert chart.note == ""
    # Ten periods either side of the trade (its half-duration is shorter), oldest first.
    times = [c["time"] for c in chart.candles]
    assert times == sorted(times)
    assert times[0] <= int((opened - timedelta(minutes=10)).timestamp())
    assert times[-1] >= int((opened + timedelta(minutes=30)).timestamp())
    assert ("target", "Target 1", "120") in [(x["kind"], x["title"], x["price"]) for x in chart.lines]


def test_it_joins_the_trades_fills_and_says_so_when_the_venue_kept_no_candles():
    trade = JournalTradeFactory(
        opened_at=datetime(2026, 1, 1, tzinfo=UTC), closed_at=datetime(2026, 1, 1, 1, tzinfo=UTC)
    )
    chart = trade_chart(user=trade.user, trade=line(trade), now=NOW)
    assert chart.candles == []
    assert "keeps no candles from this trade's time" in chart.note
