"""Keep the journal's trades equal to what its fills say, as fills arrive and on a rebuild.

One series is one user's fills on one account and symbol. `update_journal_series` matches the
whole series again (apps/journal/matching.py) and writes the difference: new trips inserted,
changed ones updated, trips that no longer exist deleted, unchanged rows left alone. Matching the
whole series rather than the new fills alone is what makes the update and the rebuild the same
function, so they cannot drift: a history import that delivers older fills after newer ones,
or a fill seen twice, gives the journal the rebuild would give. A trade is found again by its
opening fill, so the trader's notes and tags stay on it when later fills change its numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import transaction

from apps.core.tasks import enqueue_on_commit
from apps.exchanges.models import ExchangeAccount
from apps.journal.matching import FillIn, RoundTrip, match_fills, measure_risk, sort_key, stored
from apps.journal.models import COMPUTED_FIELDS, DEFAULT_STOP_PERCENT, JournalSettings, JournalTrade
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
    A broker that is down loses only the update, which `manage.py rebuild_journal` redoes."""
    from apps.journal.tasks import update_journal

    args = [str(user_id), str(exchange_account_id) if exchange_account_id else None, symbols]
    enqueue_on_commit(update_journal, args=args, recovered_by="manage.py rebuild_journal")


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


def _fills(*, user_id: UUID, exchange_account_id: UUID | None, symbol: str) -> list[tuple[FillIn, str]]:
    rows = (
        Fill.objects.filter(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
        .values_list(
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
        )
        .order_by()
    )
    ordered = sorted(rows, key=lambda r: sort_key(r[6], r[9], r[0]))
    return [(FillIn(*row[:8]), row[8]) for row in ordered]


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
def update_journal_series(*, user_id: UUID, exchange_account_id: UUID | None, symbol: str) -> SeriesResult:
    """Make the journal's trades of one series what its fills say (see the module docstring).

    The account's row is locked for the transaction: two workers updating the same series at
    once would both insert its new trips (the second then fails on the opening fill)."""
    if exchange_account_id is not None:
        ExchangeAccount.objects.select_for_update().filter(id=exchange_account_id).first()
    fills = _fills(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    venue = fills[0][1] if fills else ""
    matched = match_fills([f for f, _ in fills], symbol=symbol)
    risk_inputs = _risk_inputs(user_id=user_id, trips=matched.trips)
    trips = {trip.key[0]: trip for trip in matched.trips}
    existing = {
        t.opening_fill_id: t
        for t in JournalTrade.objects.filter(user_id=user_id, exchange_account_id=exchange_account_id, symbol=symbol)
    }
    stale = {key: t for key, t in existing.items() if key not in trips}
    changed, new = [], []
    for key, trip in trips.items():
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
    return SeriesResult(created=len(new), updated=len(changed), deleted=len(stale))


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
        total += update_journal_series(user_id=series_user, exchange_account_id=account_id, symbol=symbol)
    return total
