"""MAE and MFE of journal trades from the market's candles, measured after the trade is written."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.exchanges.models import PaperCandle
from apps.exchanges.paper.candles import period_start
from apps.exchanges.venues.base import finest_timeframe_reaching
from apps.journal import tasks
from apps.journal.models import JournalTrade
from apps.journal.services.excursions import excursions, measure_excursions
from apps.journal.services.updates import update_journal_series
from tests.exchanges import conftest as exchange_fixtures
from tests.exchanges.factories import ApiKeyAccountFactory, ExchangeAccountFactory
from tests.journal.factories import JournalTradeFactory
from tests.trades.factories import FillFactory

pytestmark = pytest.mark.django_db
D = Decimal
binance_server = exchange_fixtures.binance_server
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def candle(symbol: str, minute: datetime, low: str, high: str) -> PaperCandle:
    return PaperCandle.objects.create(
        symbol=symbol, opened_at=minute, open=D(low), high=D(high), low=D(low), close=D(high)
    )


@pytest.mark.parametrize(
    ("side", "entry", "exit_price", "low", "high", "expected"),
    [
        ("buy", "100", "102", "97", "104", ("3", "4")),
        ("sell", "100", "98", "97", "104", ("4", "3")),
        # Candles that miss the fills' prices: the entry and the exit were traded.
        ("buy", "100", "95", "99", "101", ("5", "1")),
        ("sell", "100", "90", "99", "101", ("1", "10")),
        ("buy", "100", "100", "100", "100", ("0", "0")),
    ],
)
def test_excursions_are_price_distances_per_unit_never_negative(side, entry, exit_price, low, high, expected):
    got = excursions(side=side, entry=D(entry), exit_price=D(exit_price), low=D(low), high=D(high))
    assert got == (D(expected[0]), D(expected[1]))


def test_a_paper_trade_is_measured_from_the_minutes_of_its_life(user):
    account = ExchangeAccountFactory(user=user)
    trade = JournalTradeFactory(
        user=user,
        exchange_account=account,
        entry_price=D("100"),
        exit_price=D("110"),
        opened_at=T0 + timedelta(seconds=30),
        closed_at=T0 + timedelta(minutes=3, seconds=10),
    )
    candle("BTC_USDT", T0 - timedelta(minutes=1), "50", "500")  # ended before the entry
    candle("BTC_USDT", T0, "98.5", "101")  # the minute it opened in counts whole
    candle("BTC_USDT", T0 + timedelta(minutes=2), "99", "112.25")
    candle("BTC_USDT", T0 + timedelta(minutes=3), "108", "111")
    candle("BTC_USDT", T0 + timedelta(minutes=4), "1", "1000")  # after the exit
    candle("ETH_USDT", T0 + timedelta(minutes=2), "1", "1000")  # another market

    assert measure_excursions(trade_ids=[trade.id]) == 1
    trade.refresh_from_db()
    assert (trade.mae, trade.mfe) == (D("1.5"), D("12.25"))


def test_a_trade_without_candles_stays_unmeasured(user):
    paper = JournalTradeFactory(user=user)  # no candles recorded
    imported = JournalTradeFactory(user=user, exchange_account=None, venue="csv")
    candle("BTC_USDT", period_start(imported.opened_at), "90", "120")
    # The paper trade has no minutes of its own; the import has no account, so no market to ask.
    assert measure_excursions(trade_ids=[paper.id, imported.id]) == 0
    assert list(JournalTrade.objects.values_list("mae", "mfe")) == [(None, None), (None, None)]


@pytest.mark.parametrize(
    ("age", "timeframe"),
    [
        (timedelta(minutes=30), "1m"),
        (timedelta(hours=9), "5m"),
        (timedelta(days=3), "15m"),
        (timedelta(days=20), "1h"),
        (timedelta(days=80), "4h"),
        (timedelta(days=400), "1d"),
        (timedelta(days=600), None),
    ],
)
def test_the_finest_timeframe_that_reaches_back_to_the_entry_is_asked_for(age, timeframe):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert finest_timeframe_reaching(now - age, now) == timeframe


@pytest.fixture
def recent_binance_trade(user, binance_server):
    account = ApiKeyAccountFactory(user=user)
    now = timezone.now()
    minute = period_start(now)
    opened_at, closed_at = minute - timedelta(minutes=8, seconds=-5), minute - timedelta(minutes=3, seconds=-5)
    binance_server.klines["BTCUSDT"] = [
        (int((minute - timedelta(minutes=i)).timestamp() * 1000), "50000", high, low, "50000", "1")
        for i, low, high in [
            (10, "10000", "90000"),  # before the entry
            (8, "49900", "50100"),
            (6, "49500", "50300"),
            (3, "49950", "50700"),
            (1, "10000", "90000"),  # after the exit
        ]
    ]
    return JournalTradeFactory(
        user=user,
        exchange_account=account,
        venue="binance",
        entry_price=D("50000"),
        exit_price=D("50200"),
        opened_at=opened_at,
        closed_at=closed_at,
    )


def test_another_venues_trade_is_measured_from_its_public_candles(recent_binance_trade, binance_server):
    assert measure_excursions(trade_ids=[recent_binance_trade.id]) == 1
    recent_binance_trade.refresh_from_db()
    assert (recent_binance_trade.mae, recent_binance_trade.mfe) == (D("500"), D("700"))
    _, path, params = binance_server.requests[-1]
    assert (path, params["interval"], params["limit"]) == ("/api/v3/klines", "1m", "500")


def test_an_unreachable_venue_is_skipped(recent_binance_trade, binance_server, caplog):
    binance_server.stop()
    with caplog.at_level(logging.WARNING, logger="apps.journal.services.excursions"):
        assert measure_excursions(trade_ids=[recent_binance_trade.id]) == 0
    recent_binance_trade.refresh_from_db()
    assert recent_binance_trade.mae is None
    assert "binance unreachable" in caplog.text


def test_trades_the_journal_writes_are_sent_to_be_measured_after_commit(user, django_capture_on_commit_callbacks):
    account = ExchangeAccountFactory(user=user)
    FillFactory(user=user, exchange_account=account, side="buy", executed_at=T0)
    FillFactory(user=user, exchange_account=account, side="sell", executed_at=T0 + timedelta(minutes=2))
    with mock.patch.object(tasks.measure_excursions, "apply_async", autospec=True) as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")
        send.assert_not_called()
        for callback in callbacks:
            callback()
    trade = JournalTrade.objects.get(user=user)
    send.assert_called_once_with(args=[[str(trade.id)]], countdown=None)


def test_a_written_trade_is_measured_by_the_task(user, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    account = ExchangeAccountFactory(user=user)
    candle("BTC_USDT", T0, "95", "105")
    FillFactory(user=user, exchange_account=account, side="buy", price=D("100"), executed_at=T0)
    FillFactory(
        user=user, exchange_account=account, side="sell", price=D("101"), executed_at=T0 + timedelta(seconds=50)
    )
    with django_capture_on_commit_callbacks(execute=True):
        update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")
    trade = JournalTrade.objects.get(user=user)
    assert (trade.mae, trade.mfe) == (D("5"), D("5"))
    # An update that changes nothing sends nothing.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")
    assert callbacks == []


def test_the_backfill_command_measures_what_is_still_unmeasured(user):
    account = ExchangeAccountFactory(user=user)
    unmeasured = JournalTradeFactory(user=user, exchange_account=account, opened_at=T0, closed_at=T0)
    done = JournalTradeFactory(user=user, exchange_account=account, opened_at=T0, closed_at=T0, mae=D("7"), mfe=D("7"))
    candle("BTC_USDT", T0, "90", "120")
    out = StringIO()
    call_command("measure_journal_excursions", "--user", str(user.id), stdout=out)
    assert out.getvalue().strip() == "1 of 1 unmeasured trade(s) measured."
    unmeasured.refresh_from_db()
    done.refresh_from_db()
    assert ((unmeasured.mae, unmeasured.mfe), (done.mae, done.mfe)) == ((D("10"), D("20")), (D("7"), D("7")))
    with pytest.raises(CommandError):
        call_command("measure_journal_excursions", "--user", "7")
