"""The equity curve stored on the trades (apps/journal/services/curve.py) is, after every
update, what running the curve over all of a trader's trades gives: whatever order the fills of
several accounts and symbols arrive in, including an import of older history."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.journal.models import JournalTrade
from apps.journal.services.curve import refresh_equity_curve
from apps.journal.services.updates import rebuild_journal, update_journal_series
from apps.trades.models import Fill
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.test_incremental_updates import START, fill_rows, fills_of

pytestmark = pytest.mark.django_db


def expected_curve(user) -> list[tuple[int, Decimal, Decimal]]:
    """seq, equity and peak of each trade in close order, computed here by hand."""
    equity, peak, curve = Decimal(0), Decimal(0), []
    for seq, pnl in enumerate(
        JournalTrade.objects.filter(user=user).order_by("closed_at", "id").values_list("net_pnl", flat=True), 1
    ):
        equity += pnl
        peak = max(peak, equity)
        curve.append((seq, equity, peak))
    return curve


def stored_curve(user) -> list[tuple[int, Decimal, Decimal]]:
    rows = JournalTrade.objects.filter(user=user).order_by("closed_at", "id")
    return [(s, Decimal(e), Decimal(p)) for s, e, p in rows.values_list("curve_seq", "curve_equity", "curve_peak")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(fill_rows, max_size=24), seed=st.integers(0, 2**32))
def test_the_stored_curve_follows_fills_of_two_accounts_arriving_in_any_order(user, rows, seed):
    if connection.vendor != "postgresql":
        # SQLite keeps NUMERIC as binary floats: fee conversions like 0.001 BTC at 101.5 differ
        # from the Decimal reference in the last digits. The exact comparison is PostgreSQL's.
        pytest.skip("exact Decimal comparison: PostgreSQL only")
    accounts = [ExchangeAccountFactory(user=user), ExchangeAccountFactory(user=user)]
    # The same rows on both accounts, the second's half an hour later, so their trades interleave.
    later = fills_of(accounts[1], rows)
    for fill in later:
        fill.executed_at += timedelta(minutes=30)
        fill.venue_trade_id = f"b{fill.venue_trade_id}"
    fills = fills_of(accounts[0], rows) + later
    with transaction.atomic():
        for batch in range(4):
            arriving = [f for f, row in zip(fills, rows * 2, strict=True) if row["batch"] == batch]
            random.Random(seed).shuffle(arriving)
            Fill.objects.bulk_create(arriving)
            for account in accounts:
                update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")
            assert stored_curve(user) == expected_curve(user)
        assert refresh_equity_curve(user_id=user.id) == 0  # a full run changes nothing
        transaction.set_rollback(True)


def test_an_older_trade_imported_later_shifts_the_curve_after_it(user):
    account = ExchangeAccountFactory(user=user)

    def round_trip(at, sell_price):
        for side, price, minutes in (("buy", "100", 0), ("sell", sell_price, 1)):
            Fill.objects.create(
                user=user, exchange_account=account, venue="paper", venue_trade_id=f"{at}{side}", symbol="BTC_USDT",
                side=side, price=Decimal(price), quantity=Decimal(1), fee=0, fee_asset="USDT",
                executed_at=at + timedelta(minutes=minutes),
            )  # fmt: skip
        update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")

    round_trip(START + timedelta(hours=2), "110")  # +10
    round_trip(START + timedelta(hours=3), "95")  # -5
    assert stored_curve(user) == [(1, 10, 10), (2, 5, 10)]

    round_trip(START, "80")  # an older -20, delivered last by a history import

    assert stored_curve(user) == [(1, -20, 0), (2, -10, 0), (3, -15, 0)]
    rebuild_journal(user_id=user.id)
    assert stored_curve(user) == [(1, -20, 0), (2, -10, 0), (3, -15, 0)]
