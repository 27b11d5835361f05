"""Candles behind the venue protocol: the paper feed's ticks recorded as one-minute candles (and
read back in any timeframe), and a ccxt venue's `fetch_ohlcv` against the local Binance."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from apps.exchanges.models import PaperCandle
from apps.exchanges.paper import candles, feed
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import Candle, UnknownSymbol, UnsupportedTimeframe
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- recording the paper feed ------------------------------------------------------------------


def test_the_first_tick_of_a_minute_opens_its_candle_and_later_ones_move_it():
    for offset, price in ((0, "50000"), (0.2, "50010.5"), (0.5, "49990"), (0.9, "50002")):
        candles.record({"BTC_USDT": D(price)}, at=at(offset))
    candles.record({"BTC_USDT": D("50005")}, at=at(1))

    rows = list(PaperCandle.objects.filter(symbol="BTC_USDT").order_by("opened_at"))
    assert [(r.opened_at, r.open, r.high, r.low, r.close) for r in rows] == [
        (T0, D("50000"), D("50010.5"), D("49990"), D("50002")),
        (at(1), D("50005"), D("50005"), D("50005"), D("50005")),
    ]


def test_a_tick_records_every_market_in_few_queries(django_assert_max_num_queries):
    candles.record({"BTC_USDT": D("50000"), "ETH_USDT": D("3000")}, at=at(0))
    # Within a minute: one select of its rows and one update of them (and a savepoint around both).
    with django_assert_max_num_queries(4):
        candles.record({"BTC_USDT": D("50001"), "ETH_USDT": D("2999")}, at=at(0.5))
    assert PaperCandle.objects.filter(opened_at=T0).count() == 2


def test_old_candles_are_pruned_when_a_minute_opens():
    candles.record({"BTC_USDT": D("50000")}, at=at(0))
    candles.record({"BTC_USDT": D("50000")}, at=at(0) + candles.RETENTION + timedelta(minutes=1))
    assert list(PaperCandle.objects.values_list("opened_at", flat=True)) == [
        at(0) + candles.RETENTION + timedelta(minutes=1)
    ]


def test_the_feed_records_each_tick(settings, monkeypatch):
    monkeypatch.setattr(feed, "publish", lambda stream, data: None)
    prices = feed.tick_market(rng=random.Random(7))
    recorded = {row.symbol: row.close for row in PaperCandle.objects.all()}
    assert recorded == prices
    assert set(recorded) == set(settings.PAPER_MARKETS)


def test_a_candle_that_cannot_be_recorded_does_not_stop_the_tick(monkeypatch):
    monkeypatch.setattr(feed, "publish", lambda stream, data: None)

    def broken(prices):
        raise RuntimeError("disk full")

    monkeypatch.setattr(candles, "record", broken)
    assert feed.tick_market(rng=random.Random(7))


# --- reading them back -------------------------------------------------------------------------


def walk() -> None:
    """Twenty minutes of BTC_USDT: minute m opens at 50000 + m, spikes 5 up, dips 5 down, closes +1."""
    for minute in range(20):
        base = D(50000 + minute)
        for second, price in ((0, base), (10, base + 5), (20, base - 5), (50, base + 1)):
            candles.record({"BTC_USDT": price}, at=at(minute) + timedelta(seconds=second))


def test_history_reads_the_last_minutes_oldest_first():
    walk()
    got = candles.history("BTC_USDT", timeframe="1m", limit=3, now=at(19.5))
    assert got == [
        Candle(at(17), D("50017"), D("50022"), D("50012"), D("50018")),
        Candle(at(18), D("50018"), D("50023"), D("50013"), D("50019")),
        Candle(at(19), D("50019"), D("50024"), D("50014"), D("50020")),
    ]


def test_history_builds_longer_timeframes_from_the_minutes():
    walk()
    got = candles.history("BTC_USDT", timeframe="5m", limit=10, now=at(19.5))
    assert [c.opened_at for c in got] == [at(0), at(5), at(10), at(15)]
    first = got[0]
    assert (first.open, first.high, first.low, first.close) == (D("50000"), D("50009"), D("49995"), D("50005"))


def test_the_paper_venue_serves_candles_and_refuses_what_it_cannot():
    venue = venue_for(FundedPaperAccountFactory())
    assert venue.candles(symbol="BTC_USDT") == []  # no tick yet: no history
    candles.record({"BTC_USDT": D("50000")})
    [only] = venue.candles(symbol="BTC_USDT", timeframe="15m", limit=5)
    assert only.close == D("50000")
    with pytest.raises(UnsupportedTimeframe):
        venue.candles(symbol="BTC_USDT", timeframe="7m")
    with pytest.raises(UnknownSymbol):
        venue.candles(symbol="DOGE_USDT")


# --- a ccxt venue ------------------------------------------------------------------------------


def test_a_ccxt_venue_reads_candles_through_fetch_ohlcv(binance_server, binance_venue):
    start = int(T0.timestamp() * 1000)
    binance_server.klines["BTCUSDT"] = [
        (start + i * 60_000, f"{50000 + i}", f"{50010 + i}", f"{49990 + i}", f"{50005 + i}.12345678", "1.5")
        for i in range(5)
    ]
    got = binance_venue().candles(symbol="BTC_USDT", timeframe="1m", limit=3)

    assert [c.opened_at for c in got] == [at(2), at(3), at(4)]
    assert got[-1] == Candle(at(4), D("50004"), D("50014"), D("49994"), D("50009.12345678"), D("1.5"))
    method, path, params = binance_server.requests[-1]
    assert (method, path, params["symbol"], params["interval"], params["limit"]) == (
        "GET",
        "/api/v3/klines",
        "BTCUSDT",
        "1m",
        "3",
    )


def test_a_ccxt_venue_without_history_answers_flat_candles_at_its_price(binance_server, binance_venue):
    got = binance_venue().candles(symbol="ETH_USDT", timeframe="1h", limit=4)
    assert len(got) == 4
    assert {c.close for c in got} == {D("3000")}
    assert got[1].opened_at - got[0].opened_at == timedelta(hours=1)


def test_a_ccxt_venue_refuses_an_unknown_symbol_or_timeframe(binance_server, binance_venue):
    venue = binance_venue()
    with pytest.raises(UnknownSymbol):
        venue.candles(symbol="NOPE_USDT")
    with pytest.raises(UnsupportedTimeframe):
        venue.candles(symbol="BTC_USDT", timeframe="2m")
