"""The paper exchange's arithmetic, free of the database: fills, margin, P&L.

The account is USD(T)-margined and one-way (one net position per symbol): a buy adds to a long
or reduces a short, and a fill larger than the opposite position closes it and opens the rest
the other way at the fill price. Everything is Decimal; values stored are quantized to the
columns' 18 decimal places, nothing else is rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

PLACES = Decimal("1e-18")
ZERO = Decimal(0)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(PLACES)


def tidy(value: Decimal | int) -> Decimal:
    """The same number without the columns' trailing zeros: `100000`, `0.5`, never `1E+5`."""
    normal = Decimal(value).normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal


def signed(side: str, quantity: Decimal) -> Decimal:
    return quantity if side == "buy" else -quantity


@dataclass(frozen=True)
class FillResult:
    quantity: Decimal  # the position's signed quantity after the fill
    entry_price: Decimal
    realized_pnl: Decimal


def apply_fill(*, quantity: Decimal, entry_price: Decimal, side: str, size: Decimal, price: Decimal) -> FillResult:
    """The net position after filling `size` on `side` at `price`, and the P&L the fill realises."""
    delta = signed(side, size)
    new_quantity = quantity + delta
    if quantity == 0 or (quantity > 0) == (delta > 0):
        entry = (abs(quantity) * entry_price + size * price) / (abs(quantity) + size)
        return FillResult(new_quantity, quantize(entry), ZERO)
    closed = min(size, abs(quantity))
    direction = 1 if quantity > 0 else -1
    realized = closed * (price - entry_price) * direction
    if new_quantity == 0:
        entry = ZERO
    elif (new_quantity > 0) == (quantity > 0):
        entry = entry_price  # partly closed: what is left keeps its entry
    else:
        entry = price  # flipped: the remainder opened at this fill
    return FillResult(new_quantity, entry, quantize(realized))


def unrealized_pnl(*, quantity: Decimal, entry_price: Decimal, mark_price: Decimal) -> Decimal:
    return quantize((mark_price - entry_price) * quantity)


@dataclass(frozen=True)
class RestingOrder:
    side: str
    quantity: Decimal  # still to fill
    price: Decimal  # the price margin is reserved at: the limit, or the stop for a stop-market


def symbol_margin(*, quantity: Decimal, entry_price: Decimal, leverage: int, orders: Iterable[RestingOrder]) -> Decimal:
    """Initial margin one symbol holds: the position's notional at entry over the leverage, plus
    what its resting orders would add if they filled.

    Orders only reserve for the part that would grow the position (a sell against a long first
    closes it), and the buy and sell sides are not added up, the larger one counts, as in a
    one-way account where both sides cannot add to the position at the same time.
    Reduce-only orders are left out by the caller: they can never add to a position.
    """
    orders = list(orders)
    side_margin = {"buy": ZERO, "sell": ZERO}
    for side in ("buy", "sell"):
        same_side = [order for order in orders if order.side == side]
        size = sum((order.quantity for order in same_side), ZERO)
        if size == 0:
            continue
        notional = sum((order.quantity * order.price for order in same_side), ZERO)
        opposite = -quantity if side == "buy" else quantity  # the position these orders close first
        growing = size if opposite <= 0 else max(ZERO, size - opposite)
        side_margin[side] = notional * growing / size / leverage
    position = abs(quantity) * entry_price / leverage
    return quantize(position + max(side_margin.values()))
