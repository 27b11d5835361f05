"""Keep the journal's trades equal to what its fills say, as fills arrive and on a rebuild.

One series is one user's fills on one account and symbol. `update_journal_series` matches the
series (apps/journal/matching.py) and writes the difference: new trips inserted, changed ones
updated, trips that no longer exist deleted, unchanged rows left alone. A trade is found again
by its opening fill, so the trader's notes and tags stay on it when later fills change its
numbers.

An update matches from the series' last flat point (`JournalSeries`): the fills up to it form
closed trips that a later fill cannot change, so only the fills after it are read and matched,
and only the trades they open are compared. That is the rebuild's answer exactly, because the
matcher's state at a flat point is its starting state. When the fills up to the flat point are
not the ones counted there (a history import that delivers fills older than it, or a fill gone),
the update matches the whole series again, as the rebuild does (`full=True`): so a fill seen
late, or twice, still gives the journal the rebuild would give.

The fills hook enqueues the update on commit; `sweep_journal_series` (beat) redoes the updates
whose task was lost (a broker down), by each series' newest fill against the one its last
update saw.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import transaction

from apps.core.tasks import enqueue_on_commit
from apps.exchanges.models import ExchangeAccount
from apps.journal.matching import FillIn, RoundTrip, match_fills, measure_risk, sort_key, stored
from apps.journal.models import COMPUTED_FIELDS, DEFAULT_STOP_PERCENT, JournalSeries, JournalSettings, JournalTrade
from apps.journal.selectors import unswept_series
from apps.journal.services.curve import lock_journal, refresh_equity_curve
from apps.journal.services.excursions import enqueue_excursions
from apps.trades.models import Fill, TradeGroup

logger = logging.getLogger(__name__)

FIELDS = ("opening_fill_id", *COMPUTED_FIELDS)


@dataclass(frozen=True)
class SeriesResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: SeriesResult) -> SeriesResult:
        return SeriesResult(self.created + other.created, self.updated + other.updated, self.deleted + other.deleted)


def enqueue_journal_update(user_id: UUID, exchange_account_id: UUID | None, symbols: list[str]) -> None:
    """The `apps.trades.hooks` hook: update the journal in a worker, not in the fill's request.
    A broker that is down loses only the update, which the beat's `sweep_journal_series` redoes."""
    from apps.journal.tasks import update_journal

    args = [str(user_id), str(exchange_account_id) if exchange_account_id else None, symbols]
    enqueue_on_commit(update_journal, args=args, recovered_by="the journal sweep (beat)")


def _planned_risk_per_unit(group: dict[str, Any]) -> Decimal | None:
    """The stop distance the decision loop approved (risk amount over quantity); the group's
    own stop only when the verdict has none, since a stop moved later is not the plan."""
    decision = group["decision"] or {}
    try:
        risk, quantity = Decimal(str(decision["risk_amount"])), Decimal(str(decision["quantity"]))
        if quantity > 0:
            return risk / quantity
    except (KeyError, TypeError, InvalidOperation):
        pass
    if group["entry_price"] is not None and group["stop_loss_price"] is not None:
        return abs(group["entry_price"] - group["stop_loss_price"])
    return None


@dataclass(frozen=True)
class _SeriesFill:
    fill: FillIn
    venue: str
    venue_trade_id: str
    created_at: datetime

    @property
    def key(self) -> tuple:
        return sort_key(self.fill.executed_at, self.venue_trade_id, self.fill.id)


def _fills(
    *, user_id: UUID, exchange_account_id: UUID | None, symbol: str, since: datetime | None = None
) -> list[_SeriesFill]:
    """The series' fills in execution order; those executed at `since` or later when given."""
    rows = Fill.objects.filter(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    if since is not None:
        rows = rows.filter(executed_at__gte=since)
    found = rows.order_by().values_list(
        "id",
        "side",
        "price",
        "quantity",
        "fee",
        "fee_asset",
        "executed_at",
        "order__group_id",
        "venue",
        "venue_trade_id",
        "created_at",
    )
    return sorted((_SeriesFill(FillIn(*row[:8]), *row[8:]) for row in found), key=lambda f: f.key)


def _series(*, user_id: UUID, exchange_account_id: UUID | None, symbol: str) -> JournalSeries:
    """The series' row, locked for the update."""
    series, _ = JournalSeries.objects.get_or_create(
        user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol
    )
    return JournalSeries.objects.select_for_update().get(pk=series.pk)


def _after_flat_point(series: JournalSeries) -> list[_SeriesFill] | None:
    """The fills after the series' flat point, or None when the fills up to it are not the
    ones counted there (the whole series is matched then)."""
    if series.flat_fill_id is None or series.flat_executed_at is None:
        return None
    found = _fills(
        user_id=series.user_id,
        exchange_account_id=series.exchange_account_id,
        symbol=series.symbol,
        since=series.flat_executed_at,
    )
    flat_key = sort_key(series.flat_executed_at, series.flat_venue_trade_id, series.flat_fill_id)
    head = [f for f in found if f.key <= flat_key]
    earlier = Fill.objects.filter(
        user_id=series.user_id,
        exchange_account_id=series.exchange_account_id,
        symbol=series.symbol,
        executed_at__lt=series.flat_executed_at,
    ).count()
    if earlier + len(head) != series.flat_fill_count or not head or head[-1].fill.id != series.flat_fill_id:
        return None
    return found[len(head) :]


def _trade(
    trip: RoundTrip, *, user_id: UUID, exchange_account_id: UUID | None, symbol: str, venue: str, risk_inputs: dict
) -> JournalTrade:
    planned = risk_inputs["groups"].get(trip.group_id)
    risk = measure_risk(trip, planned_risk_per_unit=planned, default_stop_percent=risk_inputs["default_stop"])
    return JournalTrade(
        user_id=user_id,
        exchange_account_id=exchange_account_id,
        opening_fill_id=trip.key[0],
        trade_group_id=trip.group_id,
        venue=venue,
        symbol=symbol,
        side=trip.side,
        quantity=stored(trip.entry_quantity),
        entry_price=stored(trip.entry_price),
        exit_price=stored(trip.exit_price),
        fees=stored(trip.fees),
        fees_complete=trip.fees_complete,
        gross_pnl=stored(trip.gross_pnl),
        net_pnl=stored(trip.net_pnl),
        stop_price=None if risk.stop_price is None else stored(risk.stop_price),
        risk_amount=None if risk.risk_amount is None else stored(risk.risk_amount),
        r_multiple=None if risk.r_multiple is None else stored(risk.r_multiple),
        stop_assumed=risk.stop_assumed,
        opened_at=trip.opened_at,
        closed_at=trip.closed_at,
        duration_seconds=int((trip.closed_at - trip.opened_at).total_seconds()),
        fill_count=len(trip.fill_ids),
    )


def _risk_inputs(*, user_id: UUID, trips: list[RoundTrip]) -> dict:
    group_ids = {t.group_id for t in trips if t.group_id is not None}
    groups = TradeGroup.objects.filter(id__in=group_ids).values("id", "decision", "entry_price", "stop_loss_price")
    default_stop = (
        JournalSettings.objects.filter(user_id=user_id).values_list("default_stop_percent", flat=True).first()
    )
    return {
        "groups": {g["id"]: _planned_risk_per_unit(g) for g in groups},
        "default_stop": DEFAULT_STOP_PERCENT if default_stop is None else default_stop,
    }


@transaction.atomic
def update_journal_series(
    *, user_id: UUID, exchange_account_id: UUID | None, symbol: str, full: bool = False
) -> SeriesResult:
    """Make the journal's trades of one series what its fills say (see the module docstring);
    `full` matches the whole series whatever its flat point says.

    The account's row is locked for the transaction, and then the series' own: two workers
    updating the same series at once would both insert its new trips (the second then fails on
    the opening fill). Before both, the user's journal lock: the stored equity curve spans all
    their series, and is refreshed from the earliest close time written (services/curve.py)."""
    lock_journal(user_id=user_id)
    if exchange_account_id is not None:
        ExchangeAccount.objects.select_for_update().filter(id=exchange_account_id).first()
    series = _series(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    tail = None if full else _after_flat_point(series)
    fills = (
        tail if tail is not None else _fills(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    )
    matched = match_fills([f.fill for f in fills], symbol=symbol)
    trades = JournalTrade.objects.filter(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    if tail is not None:
        # The trades before the flat point are closed for good: only those opened after it can change.
        trades = trades.filter(opening_fill_id__in=[f.fill.id for f in tail])
    result, changed_from = _write_trips(
        matched.trips,
        existing={t.opening_fill_id: t for t in trades},
        user_id=user_id,
        exchange_account_id=exchange_account_id,
        symbol=symbol,
        venue=fills[0].venue if fills else "",
    )
    _move_flat_point(series, fills, matched.flat_count, counted_before=0 if tail is None else series.flat_fill_count)
    if changed_from is not None:
        refresh_equity_curve(user_id=user_id, since=changed_from)
    return result


def _move_flat_point(series: JournalSeries, fills: list[_SeriesFill], flat_count: int, *, counted_before: int) -> None:
    if flat_count:
        flat = fills[flat_count - 1]
        series.flat_fill_id, series.flat_executed_at = flat.fill.id, flat.fill.executed_at
        series.flat_venue_trade_id, series.flat_fill_count = flat.venue_trade_id, counted_before + flat_count
    elif not counted_before:
        series.flat_fill_id, series.flat_executed_at, series.flat_venue_trade_id, series.flat_fill_count = (
            None,
            None,
            "",
            0,
        )
    # Every fill that arrived since the last update is among `fills`: an older one would have
    # broken the count and the whole series would have been read.
    newest = max((f.created_at for f in fills), default=None)
    if newest is not None and (series.fills_seen_at is None or newest > series.fills_seen_at):
        series.fills_seen_at = newest
    series.save()


def _write_trips(
    trips: list[RoundTrip],
    *,
    existing: dict[Any, JournalTrade],
    user_id: UUID,
    exchange_account_id: UUID | None,
    symbol: str,
    venue: str,
) -> tuple[SeriesResult, datetime | None]:
    """Insert, update and delete `existing` (by opening fill) so that it holds `trips`; and the
    earliest close time among the rows written, before or after: from there on the stored curve
    and the rollups (services/curve.py) may change."""
    risk_inputs = _risk_inputs(user_id=user_id, trips=trips)
    by_key = {trip.key[0]: trip for trip in trips}
    stale = {key: t for key, t in existing.items() if key not in by_key}
    changed, new = [], []
    moves: list[datetime] = []  # close times where the curve or a rollup changes
    for key, trip in by_key.items():
        trade = _trade(
            trip,
            user_id=user_id,
            exchange_account_id=exchange_account_id,
            symbol=symbol,
            venue=venue,
            risk_inputs=risk_inputs,
        )
        # A trip that now opens with an earlier fill (an import brought it late) is still the
        # trade the trader annotated: the row that opened with one of its fills is kept.
        current = existing.get(key) or next((stale.pop(f) for f in trip.fill_ids if f in stale), None)
        if current is None:
            new.append(trade)
        elif any(getattr(current, name) != getattr(trade, name) for name in FIELDS):
            # Any field: the rollups sum R, fees, sides and durations, not only the curve's P&L.
            moves += [current.closed_at, trade.closed_at]
            for name in FIELDS:
                setattr(current, name, getattr(trade, name))
            changed.append(current)
    if stale:
        JournalTrade.objects.filter(id__in=[t.id for t in stale.values()]).delete()
    if changed:
        JournalTrade.objects.bulk_update(changed, [*FIELDS, "updated_at"])
    if new:
        JournalTrade.objects.bulk_create(new)
    enqueue_excursions(t.id for t in (*new, *changed))  # MAE/MFE from candles, after commit
    moves += [t.closed_at for t in (*new, *stale.values())]
    return SeriesResult(created=len(new), updated=len(changed), deleted=len(stale)), min(moves, default=None)


def update_journal(*, user_id: UUID, exchange_account_id: UUID | None, symbols: Iterable[str]) -> SeriesResult:
    """`update_journal_series` for each symbol, each in its own transaction."""
    total = SeriesResult()
    for symbol in sorted(set(symbols)):
        total += update_journal_series(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    return total


def rebuild_journal(*, user_id: UUID | None = None) -> SeriesResult:
    """Recompute every series from its fills (one user's, or everyone's): what the updates as
    fills arrived should already have written, so on a journal kept up to date it changes
    nothing. Series whose fills are all gone lose their trades with them (the opening fill's
    foreign key cascades)."""
    fills = Fill.objects.order_by()
    if user_id is not None:
        fills = fills.filter(user_id=user_id)
    series = fills.values_list("user_id", "exchange_account_id", "symbol").distinct()
    total = SeriesResult()
    for series_user, account_id, symbol in sorted(series, key=lambda s: (str(s[0]), str(s[1]), s[2])):
        total += update_journal_series(user_id=series_user, exchange_account_id=account_id, symbol=symbol, full=True)
    # The curves too, from their first trade: a rebuild repairs whatever an update may have missed.
    for series_user in sorted({s[0] for s in series}, key=str):
        with transaction.atomic():
            lock_journal(user_id=series_user)
            refresh_equity_curve(user_id=series_user)
    return total


def sweep_journal_series() -> SeriesResult:
    """Update every series whose newest fill came after its last update saw (or that none has
    seen): the updates the fills hook enqueued and a broker lost. Run by beat; each series in
    its own transaction, as `update_journal` does them."""
    total = SeriesResult()
    for user_id, account_id, symbol in unswept_series():
        logger.info("journal sweep: updating %s %s %s, its update was lost", user_id, account_id, symbol)
        total += update_journal_series(user_id=user_id, exchange_account_id=account_id, symbol=symbol)
    return total
