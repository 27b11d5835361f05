"""The curve blocks (the lowest and highest point of each 64 positions of the stored equity
curve, apps/journal/services/curve.py) are, after every refresh, what a recomputation from the
trades gives; and a long curve thinned from them is the pandas-side reference's
(test_analytics_properties.thinned). P&Ls are whole numbers: SQLite keeps NUMERIC as doubles,
exact for them, and ties between equal points are frequent."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.journal.models import CURVE_BLOCK, JournalCurveBlock, JournalTrade
from apps.journal.services.curve import refresh_equity_curve
from apps.trades.models import Fill
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.test_analytics_properties import thinned

pytestmark = pytest.mark.django_db
START = datetime(2026, 1, 1, tzinfo=UTC)
URL = "/api/v1/journal/analytics/equity-curve"


def add_trades(user, closes: list[datetime], pnls: list[int]) -> None:
    """Bulk-insert trades closing at `closes` with net P&L `pnls`, then refresh the curve from
    the earliest as the journal's writer does."""
    account = ExchangeAccountFactory(user=user)
    fills, trades = [], []
    for closed, pnl in zip(closes, pnls, strict=True):
        fill = Fill(
            id=uuid.uuid4(), user=user, exchange_account=account, venue="paper", venue_trade_id=str(uuid.uuid4()),
            symbol="BTC_USDT", side="buy", price=Decimal(1), quantity=Decimal(1), executed_at=closed,
        )  # fmt: skip
        fills.append(fill)
        trade = JournalTrade(
            user=user, exchange_account=account, opening_fill=fill, venue="paper", symbol="BTC_USDT",
            side="buy", quantity=Decimal(1), entry_price=Decimal(1), exit_price=Decimal(1), fees=Decimal(0),
            gross_pnl=Decimal(pnl), net_pnl=Decimal(pnl), opened_at=closed, closed_at=closed,
            duration_seconds=0, fill_count=2,
        )  # fmt: skip
        trades.append(trade)
    Fill.objects.bulk_create(fills)
    JournalTrade.objects.bulk_create(trades)
    refresh_equity_curve(user_id=user.id, since=min(closes))


def random_pnls(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(-20, 20) for _ in range(count)]


def hours(first: int, count: int) -> list[datetime]:
    return [START + timedelta(hours=first + i) for i in range(count)]


def points(user) -> list[dict]:
    """The whole curve computed here, in close order: trade id and cumulative P&L."""
    equity, out = Decimal(0), []
    trades = JournalTrade.objects.filter(user=user).order_by("closed_at", "id")
    for trade_id, pnl in trades.values_list("id", "net_pnl"):
        equity += pnl
        out.append({"trade_id": str(trade_id), "cumulative_pnl": equity})
    return out


def expected_blocks(user) -> list[tuple[int, int, Decimal, int, Decimal]]:
    """Per 64 positions: the block, and the position and equity of its lowest and of its
    highest point, the earliest of equal ones."""
    curve = [p["cumulative_pnl"] for p in points(user)]
    out = []
    for block, start in enumerate(range(0, len(curve), CURVE_BLOCK)):
        part = curve[start : start + CURVE_BLOCK]
        low, high = part.index(min(part)), part.index(max(part))
        out.append((block, start + low + 1, part[low], start + high + 1, part[high]))
    return out


def stored_blocks(user) -> list[tuple[int, int, Decimal, int, Decimal]]:
    rows = JournalCurveBlock.objects.filter(user=user).order_by("block")
    return list(rows.values_list("block", "low_seq", "low_equity", "high_seq", "high_equity"))


def test_appended_trades_keep_the_blocks_a_recomputation_gives(user):
    add_trades(user, hours(0, 130), random_pnls(130, 1))
    assert stored_blocks(user) == expected_blocks(user)
    for i, pnl in enumerate(random_pnls(70, 2)):  # one at a time, across the block boundary at 192
        add_trades(user, hours(130 + i, 1), [pnl])
        assert stored_blocks(user) == expected_blocks(user)
    assert len(stored_blocks(user)) == 4


def test_an_older_trade_inserted_rewrites_the_blocks_after_it(user):
    add_trades(user, hours(10, 300), random_pnls(300, 3))
    # A new lowest point at position 1 and every later position one further.
    add_trades(user, hours(0, 1), [-1000])
    assert stored_blocks(user) == expected_blocks(user)
    add_trades(user, [START + timedelta(hours=150, minutes=30)] * 3, [500, -7, 0])  # in the middle of the history
    assert stored_blocks(user) == expected_blocks(user)
    assert len(stored_blocks(user)) == 5  # 304 trades


def test_deleted_trades_take_their_blocks_with_them(user):
    add_trades(user, hours(0, 300), random_pnls(300, 4))
    ordered = list(JournalTrade.objects.filter(user=user).order_by("closed_at", "id"))
    # Re-matching deletes trades; the writer refreshes from the earliest close time it deleted.
    gone = ordered[100:103] + ordered[200:300]
    JournalTrade.objects.filter(id__in=[t.id for t in gone]).delete()
    refresh_equity_curve(user_id=user.id, since=gone[0].closed_at)
    assert stored_blocks(user) == expected_blocks(user)
    assert len(stored_blocks(user)) == 4  # 197 trades

    last = ordered[190:200]  # the tail alone: no later trade moves, the last block shrinks
    JournalTrade.objects.filter(id__in=[t.id for t in last]).delete()
    refresh_equity_curve(user_id=user.id, since=last[0].closed_at)
    assert stored_blocks(user) == expected_blocks(user)
    assert len(stored_blocks(user)) == 3  # 187 trades

    JournalTrade.objects.filter(user=user).delete()
    refresh_equity_curve(user_id=user.id, since=ordered[0].closed_at)
    assert stored_blocks(user) == []


def test_a_full_refresh_repairs_the_blocks_and_changes_nothing_when_they_hold(user):
    add_trades(user, hours(0, 200), random_pnls(200, 5))
    kept = stored_blocks(user)
    assert refresh_equity_curve(user_id=user.id, since=None) == 0
    assert stored_blocks(user) == kept == expected_blocks(user)

    JournalCurveBlock.objects.filter(user=user, block=1).delete()
    JournalCurveBlock.objects.filter(user=user, block=2).update(low_seq=1, high_equity=Decimal(99999))
    JournalCurveBlock.objects.create(
        user=user, block=9, low_seq=1, low_equity=Decimal(0), high_seq=1, high_equity=Decimal(0)
    )
    refresh_equity_curve(user_id=user.id, since=None)
    assert stored_blocks(user) == expected_blocks(user)


def test_the_blocks_are_each_users_own(user, stranger):
    add_trades(user, hours(0, 100), random_pnls(100, 6))
    add_trades(stranger, hours(0, 70), random_pnls(70, 7))
    assert stored_blocks(user) == expected_blocks(user)
    assert stored_blocks(stranger) == expected_blocks(stranger)


def thinned_curve(api, auth, max_points: int) -> list[tuple[str, Decimal]]:
    body = api.get(URL, {"max_points": max_points}, **auth).json()
    return [(p["trade_id"], Decimal(p["cumulative_pnl"])) for p in body["data"]]


def reference(user, max_points: int) -> list[tuple[str, Decimal]]:
    return [(p["trade_id"], p["cumulative_pnl"]) for p in thinned(points(user), max_points)]


def test_a_long_curve_is_thinned_by_whole_blocks_as_the_reference_says(api, user, auth):
    add_trades(user, hours(0, 3000), random_pnls(3000, 8))
    # 9 runs; 3000 >= 64 * 9, so runs of 64 * ceil(3000 / 576) = 384 trades: 8 of them.
    curve = thinned_curve(api, auth, 20)
    assert curve == reference(user, 20)
    assert len(curve) <= 2 + 2 * 8
    for max_points in (4, 7, 100, 2000):
        assert thinned_curve(api, auth, max_points) == reference(user, max_points), max_points


@pytest.mark.parametrize("total", [575, 576, 577, 640, 641])
def test_a_curve_about_64_runs_long_is_thinned_as_the_reference_says(api, user, auth, total):
    # max_points 20: 9 runs, so 576 trades is where the runs become whole blocks.
    add_trades(user, hours(0, total), random_pnls(total, total))
    assert thinned_curve(api, auth, 20) == reference(user, 20)


def test_a_curve_of_equal_points_keeps_the_earliest_of_each_run(api, user, auth):
    add_trades(user, hours(0, 1000), [0] * 1000)
    position = {p["trade_id"]: n for n, p in enumerate(points(user), 1)}
    # 3 runs, whole blocks from 192 trades on: 64 * ceil(1000 / 192) = 384 trades each.
    assert [position[trade_id] for trade_id, _ in thinned_curve(api, auth, 8)] == [1, 385, 769, 1000]
