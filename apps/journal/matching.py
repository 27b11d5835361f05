"""Fills into round trips, first in first out: a pure function, no database, no clock.

The contract (each line a case in tests/journal/test_matching.py):
- Fills are matched per account and symbol (the caller groups them), in the order given: the
  caller sorts by execution time, then the venue's trade id. A buy adds to a long or reduces a
  short; a sell the other way round.
- A round trip runs from flat to flat. Adding to a position and closing part of it (a partial
  close) stay in the same trip; entries and exits are each volume-weighted over the trip.
- A fill larger than the position flips it: the part that flattens the position closes the
  trip, the rest opens the next one at the same price, and the fill's fee is split between the
  two in proportion to the quantities (the closing part rounded to 18 places, the opening part
  the rest, so nothing is lost or counted twice). Both trips name that fill: the next trip's key
  is `(fill id, "flip")`.
- Fees are in the quote asset, each converted at its fill's price: a fee in the quote asset (or
  with no asset named) as it is, a fee in the base asset times the fill's price. A fee in the
  base asset is paid out of the base: a buy adds `quantity - fee` to the position, a sell takes
  `quantity + fee` out of it, so a spot round trip that bought 1 BTC paying 0.001 BTC and sold
  the 0.999 it received ends flat. A fee in any other asset (BNB) has no price in the fills: it
  is left out and the trip is marked `fees_complete=False`.
- gross P&L = (exit notional - entry notional) for a long, the negative for a short; net = gross
  - fees; both exact (60-digit context), rounded half-even to 18 places only when stored.
- The fills of a position still open at the end are returned as `open_fills`, not as a trip.
- `flat_count` is how many of the fills given run up to the last point the position was flat
  (0 if it never was after a fill). Matching resumes there exactly: the fills after it, matched
  alone, give the trips the whole list gives after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)
PLACES = Decimal("1e-18")
ZERO = Decimal(0)
PERP_SUFFIX = "_PERP"


def split_symbol(symbol: str) -> tuple[str, str]:
    """(base, quote) of a platform symbol: `BTC_USDT` and `BTC_USDT_PERP` are (BTC, USDT)."""
    base, _, quote = symbol.removesuffix(PERP_SUFFIX).rpartition("_")
    return base, quote


def stored(value: Decimal) -> Decimal:
    """A value as its NUMERIC(38, 18) column holds it."""
    with localcontext(_CONTEXT):
        return value.quantize(PLACES)


@dataclass(frozen=True)
class FillIn:
    id: Any
    side: str  # buy | sell
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_asset: str
    executed_at: datetime
    group_id: Any = None


@dataclass
class RoundTrip:
    key: tuple[Any, str]  # (opening fill id, "open" or "flip")
    side: str
    opened_at: datetime
    group_id: Any
    entry_quantity: Decimal = ZERO
    entry_notional: Decimal = ZERO
    exit_quantity: Decimal = ZERO
    exit_notional: Decimal = ZERO
    fees: Decimal = ZERO
    fees_complete: bool = True
    closed_at: datetime | None = None
    fill_ids: list[Any] = field(default_factory=list)

    @property
    def sign(self) -> int:
        return 1 if self.side == "buy" else -1

    @property
    def entry_price(self) -> Decimal:
        with localcontext(_CONTEXT):
            return self.entry_notional / self.entry_quantity

    @property
    def exit_price(self) -> Decimal:
        with localcontext(_CONTEXT):
            return self.exit_notional / self.exit_quantity

    @property
    def gross_pnl(self) -> Decimal:
        with localcontext(_CONTEXT):
            return self.sign * (self.exit_notional - self.entry_notional)

    @property
    def net_pnl(self) -> Decimal:
        with localcontext(_CONTEXT):
            return self.gross_pnl - self.fees


@dataclass
class Matched:
    trips: list[RoundTrip]
    open_fills: list[Any]
    flat_count: int = 0


@dataclass(frozen=True)
class _Leg:
    """A fill as the position sees it: a signed quantity and its fee in the quote asset."""

    quantity: Decimal  # > 0 buys, < 0 sells
    fee: Decimal
    fee_known: bool


def _leg(fill: FillIn, base: str, quote: str) -> _Leg:
    direction = 1 if fill.side == "buy" else -1
    asset = fill.fee_asset.upper()
    with localcontext(_CONTEXT):
        if fill.fee == 0 or asset in ("", quote.upper()):
            return _Leg(direction * fill.quantity, fill.fee, True)
        if asset == base.upper():
            return _Leg(direction * fill.quantity - fill.fee, fill.fee * fill.price, True)
        return _Leg(direction * fill.quantity, ZERO, False)


def match_fills(fills: Iterable[FillIn], *, symbol: str) -> Matched:
    """The closed round trips of `fills` (one account, one symbol, in execution order)."""
    base, quote = split_symbol(symbol)
    trips: list[RoundTrip] = []
    trip: RoundTrip | None = None
    position = ZERO
    flat_count = 0
    with localcontext(_CONTEXT):
        for count, fill in enumerate(fills, start=1):
            leg = _leg(fill, base, quote)
            if leg.quantity == 0:
                # A fill whose base fee ate all of it moves nothing but still costs its fee.
                if trip is not None:
                    trip.fees += leg.fee
                    trip.fees_complete = trip.fees_complete and leg.fee_known
                    trip.fill_ids.append(fill.id)
                else:
                    flat_count = count
                continue
            if trip is None:
                trip = _open(fill, leg.quantity, kind="open")
            remaining, fee = leg.quantity, leg.fee
            trip.fill_ids.append(fill.id)
            trip.fees_complete = trip.fees_complete and leg.fee_known
            if position == 0 or (position > 0) == (remaining > 0):
                _enter(trip, remaining, fill.price)
                trip.fees += fee
                position += remaining
                continue
            closing = remaining if abs(remaining) <= abs(position) else -position
            closing_fee = fee if closing == remaining else (fee * closing / remaining).quantize(PLACES)
            _exit(trip, closing, fill.price)
            trip.fees += closing_fee
            position += closing
            remaining -= closing
            if position != 0:
                continue
            trip.closed_at = fill.executed_at
            trips.append(trip)
            trip = None
            if remaining == 0:
                flat_count = count
            else:
                trip = _open(fill, remaining, kind="flip")
                trip.fill_ids.append(fill.id)
                trip.fees_complete = leg.fee_known
                _enter(trip, remaining, fill.price)
                trip.fees += fee - closing_fee
                position = remaining
    open_fills = list(trip.fill_ids) if trip is not None else []
    return Matched(trips=trips, open_fills=open_fills, flat_count=flat_count)


def _open(fill: FillIn, quantity: Decimal, *, kind: str) -> RoundTrip:
    return RoundTrip(
        key=(fill.id, kind),
        side="buy" if quantity > 0 else "sell",
        opened_at=fill.executed_at,
        group_id=fill.group_id if kind == "open" else None,
    )


def _enter(trip: RoundTrip, quantity: Decimal, price: Decimal) -> None:
    trip.entry_quantity += abs(quantity)
    trip.entry_notional += abs(quantity) * price


def _exit(trip: RoundTrip, quantity: Decimal, price: Decimal) -> None:
    trip.exit_quantity += abs(quantity)
    trip.exit_notional += abs(quantity) * price


@dataclass(frozen=True)
class Risk:
    stop_price: Decimal | None
    risk_amount: Decimal | None
    r_multiple: Decimal | None
    stop_assumed: bool


def measure_risk(trip: RoundTrip, *, planned_risk_per_unit: Decimal | None, default_stop_percent: Decimal) -> Risk:
    """R of a closed trip: net P&L over what the trip risked at its stop.

    The stop is the one planned when the trade was opened (its trade group's risk per unit, so a
    stop later moved to break-even does not make every trade infinite R); a trip opened without
    one is measured against `default_stop_percent` of its entry price and marked `stop_assumed`.
    A zero distance (a stop at the entry, or a default of 0) gives no R."""
    with localcontext(_CONTEXT):
        assumed = planned_risk_per_unit is None or planned_risk_per_unit <= 0
        entry = trip.entry_price
        per_unit = entry * default_stop_percent / 100 if assumed else planned_risk_per_unit
        if per_unit <= 0:
            return Risk(stop_price=None, risk_amount=None, r_multiple=None, stop_assumed=assumed)
        risk_amount = per_unit * trip.entry_quantity
        return Risk(
            stop_price=entry - trip.sign * per_unit,
            risk_amount=risk_amount,
            r_multiple=trip.net_pnl / risk_amount,
            stop_assumed=assumed,
        )


def sort_key(executed_at: datetime, venue_trade_id: str, fill_id: Any) -> tuple[datetime, int, str, str]:
    """Execution order: by time, then the venue's trade id (numerals compared as numbers)."""
    return executed_at, len(venue_trade_id), venue_trade_id, str(fill_id)
