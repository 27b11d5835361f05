"""An update matches from the series' last flat point, and gives what the full rebuild gives
whatever order and batches the fills arrive in; the sweep redoes updates whose task was lost."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.journal.models import JournalSeries, JournalTrade
from apps.journal.selectors import unswept_series
from apps.journal.services.updates import (
    SeriesResult,
    _after_flat_point,
    rebuild_journal,
    sweep_journal_series,
    update_journal_series,
)
from apps.trades.models import Fill
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.test_updates import snapshot
from tests.trades.factories import FillFactory

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime(2026, 1, 1, tzinfo=UTC)

fill_rows = st.fixed_dictionaries(
    {
        "side": st.sampled_from(["buy", "sell"]),
        # Small whole quantities close and flip positions often.
        "quantity": st.sampled_from([D("1"), D("1"), D("2"), D("0.5")]),
        "price": st.sampled_from([D("100"), D("101.5"), D("99.25")]),
        "fee": st.sampled_from(
            [(D("0"), "USDT"), (D("0.1"), "USDT"), (D("0.1"), "USDT"), (D("0.001"), "BTC"), (D("0.01"), "BNB")]
        ),
        # The batch it arrives in: a later batch brings fills older than an earlier one's.
        "batch": st.integers(0, 3),
        # Several fills in the same second: their order is the venue's trade id's.
        "tied": st.booleans(),
    }
)


@pytest.fixture
def account(user):
    return ExchangeAccountFactory(user=user)


def update(account, **kwargs) -> SeriesResult:
    return update_journal_series(user_id=account.user_id, exchange_account_id=account.id, symbol="BTC_USDT", **kwargs)


def fills_of(account, rows) -> list[Fill]:
    """Unsaved fills in execution order: times rise except where a row is tied to the one before."""
    fills, at = [], START
    for number, row in enumerate(rows, start=1):
        at = at if row["tied"] else at + timedelta(minutes=1)
        fee, asset = row["fee"]
        fills.append(
            Fill(
                user_id=account.user_id,
                exchange_account=account,
                venue="paper",
                venue_trade_id=str(number),
                symbol="BTC_USDT",
                side=row["side"],
                price=row["price"],
                quantity=row["quantity"],
                fee=fee,
                fee_asset=asset,
                executed_at=at,
            )
        )
    return fills


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(fill_rows, max_size=30), seed=st.integers(0, 2**32))
def test_updates_as_fills_arrive_give_the_full_rebuild(user, account, rows, seed):
    fills = fills_of(account, rows)
    with transaction.atomic():
        for batch in range(4):
            arriving = [fill for fill, row in zip(fills, rows, strict=True) if row["batch"] == batch]
            random.Random(seed).shuffle(arriving)  # the order within a batch must not matter either
            Fill.objects.bulk_create(arriving)
            update(account)
        incremental = snapshot(user)
        JournalTrade.objects.filter(user=user).delete()
        JournalSeries.objects.filter(user=user).delete()
        update(account, full=True)
        assert incremental == snapshot(user)
        transaction.set_rollback(True)


def test_it_reads_only_the_fills_after_the_last_flat_point(user, account):
    fills = [FillFactory(user=user, exchange_account=account, side=side) for side in ("buy", "sell", "buy", "sell")]
    opening = FillFactory(user=user, exchange_account=account, side="buy")
    update(account)
    series = JournalSeries.objects.get(user=user)
    assert (series.flat_fill_id, series.flat_fill_count) == (fills[-1].id, 4)
    closing = FillFactory(user=user, exchange_account=account, side="sell")
    assert [f.fill.id for f in _after_flat_point(series)] == [opening.id, closing.id]
    assert update(account).created == 1
    assert JournalSeries.objects.get(user=user).flat_fill_count == 6


def test_a_fill_older_than_the_flat_point_matches_the_whole_series_again(user, account):
    FillFactory(user=user, exchange_account=account, side="buy", executed_at=START + timedelta(minutes=10))
    FillFactory(user=user, exchange_account=account, side="sell", executed_at=START + timedelta(minutes=20))
    update(account)
    # A history import delivers an earlier round trip, after the later one was matched.
    FillFactory(user=user, exchange_account=account, side="buy", executed_at=START)
    FillFactory(user=user, exchange_account=account, side="sell", executed_at=START + timedelta(minutes=1))
    series = JournalSeries.objects.get(user=user)
    assert _after_flat_point(series) is None
    assert update(account).created == 1
    assert list(JournalTrade.objects.order_by("opened_at").values_list("opened_at", flat=True)) == [
        START,
        START + timedelta(minutes=10),
    ]
    assert JournalSeries.objects.get(user=user).flat_fill_count == 4


def test_the_sweep_updates_a_series_whose_update_was_lost(user, account):
    # The fills commit but their task never reaches a worker (the broker was down).
    FillFactory(user=user, exchange_account=account, side="buy")
    FillFactory(user=user, exchange_account=account, side="sell")
    assert unswept_series() == [(user.id, account.id, "BTC_USDT")]

    assert sweep_journal_series().created == 1
    assert JournalTrade.objects.filter(user=user).count() == 1
    assert unswept_series() == []
    assert sweep_journal_series() == SeriesResult()


def test_the_sweep_finds_a_fill_newer_than_the_last_update_and_leaves_the_rest(user, account):
    other = ExchangeAccountFactory(user=user)
    FillFactory(user=user, exchange_account=account, side="buy")
    FillFactory(user=user, exchange_account=other, side="buy")
    FillFactory(user=user, exchange_account=None, symbol="ETH_USDT", side="buy")
    update(account)
    update(other)
    update_journal_series(user_id=user.id, exchange_account_id=None, symbol="ETH_USDT")
    assert unswept_series() == []

    FillFactory(user=user, exchange_account=account, side="sell")
    FillFactory(user=user, exchange_account=None, symbol="ETH_USDT", side="sell")
    assert sorted(unswept_series(), key=str) == sorted(
        [(user.id, account.id, "BTC_USDT"), (user.id, None, "ETH_USDT")], key=str
    )
    assert sweep_journal_series().created == 2
    assert unswept_series() == []


def test_a_rebuild_leaves_nothing_for_the_sweep(user, account):
    FillFactory(user=user, exchange_account=account, side="buy")
    FillFactory(user=user, exchange_account=account, side="sell")
    rebuild_journal(user_id=user.id)
    assert unswept_series() == []


def test_the_sweep_runs_on_the_beat_schedule():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.journal.tasks.sweep_journal_series" in tasks
