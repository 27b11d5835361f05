"""The built-in paper exchange: prices, funding, placing, cancelling and matching orders.

The book has unlimited depth at the last price: a market order, a marketable limit and a
triggered stop fill in full at the current price, so there are no partial fills, and IOC and
FOK only differ from GTC in that an order which cannot fill at once is cancelled instead of
resting. A resting limit fills at its own limit price once the price trades through it.

Each quote asset (USDT, USDC) is a one-way, cross-margined derivatives account: a wallet
balance, one net position per symbol and its leverage (see `ledger`). An order's `leverage`
becomes its symbol's leverage (kept for later orders; 1 until set). Fees are charged in the
quote asset at `PAPER_FEE_RATE` of the notional; realised P&L goes to the wallet. There are no
liquidations and no funding payments. An order that would raise the margin in use above the
wallet balance (after its own fee and P&L) is refused; one that lowers it, such as a close, never is.

Reduce-only orders are clamped to the position they reduce, when placed and again when they
fill: a stop-loss left bigger than the position by a take-profit closes what is left, and one
that finds no position any more is cancelled.

Locking: every write takes the symbol's `PaperPrice` row first (when it needs a price) and then
the account's `PaperBalance` row of the symbol's quote asset, both `select_for_update`, always
in that order, so concurrent orders of one account cannot spend the same margin twice and a
tick cannot match against a half-placed order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from apps.exchanges.models import (
    ExchangeAccount,
    PaperBalance,
    PaperFill,
    PaperOrder,
    PaperOrderStatus,
    PaperPosition,
    PaperPrice,
)
from apps.exchanges.paper.ledger import RestingOrder, apply_fill, quantize, symbol_margin, tidy
from apps.exchanges.paper.markets import (
    amount,
    fee_rate,
    markets,
    new_order,
    price_step,
    quote_assets,
    quote_of,
    symbols_of,
)
from apps.exchanges.venues.base import InsufficientFunds, InvalidOrder, OrderNotFound, OrderRequest

# The market helpers are re-exported: callers need only the engine.
__all__ = [
    "cancel_order",
    "current_price",
    "current_prices",
    "find_order",
    "fund_account",
    "margin_in_use",
    "markets",
    "place_order",
    "price_step",
    "quote_of",
    "set_price",
]

FILL, REST, CANCEL = "fill", "rest", "cancel"


# --- prices and funding -----------------------------------------------------------------------


def fund_account(*, account: ExchangeAccount) -> None:
    """Give a paper account `PAPER_STARTING_BALANCE` of each quote asset, once: funding an
    account twice changes nothing, nor does it top up a balance that trading has moved."""
    starting = Decimal(str(settings.PAPER_STARTING_BALANCE))
    for asset in quote_assets():
        PaperBalance.objects.get_or_create(account=account, asset=asset, defaults={"total": starting})


def current_price(symbol: str) -> Decimal:
    quote_of(symbol)
    row = PaperPrice.objects.filter(symbol=symbol).first()
    if row is None:
        row, _ = PaperPrice.objects.get_or_create(symbol=symbol, defaults={"price": markets()[symbol]})
    return tidy(row.price)


def current_prices() -> dict[str, Decimal]:
    stored = dict(PaperPrice.objects.filter(symbol__in=list(markets())).values_list("symbol", "price"))
    return {symbol: tidy(stored.get(symbol, opening)) for symbol, opening in markets().items()}


@transaction.atomic
def set_price(*, symbol: str, price: Decimal) -> None:
    """Move `symbol` to `price` and match every account's resting orders against it."""
    quote = quote_of(symbol)
    price = amount(price, "price")
    row = _lock_price(symbol)
    row.price = price
    row.save(update_fields=["price", "updated_at"])
    reached = (
        PaperOrder.objects.filter(symbol=symbol, status=PaperOrderStatus.OPEN)
        .filter(_crossed_by(price))
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    for account_id in list(reached):
        book = _open_book(account_id, quote)
        for order in [order for order in book.orders if order.symbol == symbol]:
            was_triggered = order.triggered
            action, fill_price = _decide(order, price, resting=True)
            if action == FILL:
                _fill(book, order, fill_price)
            elif action == CANCEL:
                _close(book, order, PaperOrderStatus.CANCELLED)
            elif order.triggered != was_triggered:
                order.save(update_fields=["triggered", "updated_at"])


def _crossed_by(price: Decimal) -> Q:
    limit = Q(order_type="limit") | Q(order_type="stop_limit", triggered=True)
    stop = Q(order_type__in=["stop", "stop_limit"], triggered=False)
    return (
        (limit & Q(side="buy", price__gte=price))
        | (limit & Q(side="sell", price__lte=price))
        | (stop & Q(side="buy", stop_price__lte=price))
        | (stop & Q(side="sell", stop_price__gte=price))
    )


# --- orders -----------------------------------------------------------------------------------


@transaction.atomic
def place_order(*, account: ExchangeAccount, request: OrderRequest) -> PaperOrder:
    """Place an order; it fills at once, rests, or (IOC/FOK) is cancelled.

    Resending a `client_order_id` this account already used returns that order unchanged.
    Refused with nothing written: bad input (InvalidOrder, UnknownSymbol), a reduce-only order
    with no position to reduce (InvalidOrder), not enough free margin (InsufficientFunds).
    """
    order = new_order(account, request)
    quote = quote_of(order.symbol)
    price = _lock_price(order.symbol).price
    book = _open_book(account.pk, quote)
    existing = PaperOrder.objects.filter(account=account, client_order_id=order.client_order_id).first()
    if existing is not None:
        return existing
    position = book.position(order.symbol)
    if order.reduce_only:
        order.quantity = min(order.quantity, _reducible(position, order.side))
        if order.quantity <= 0:
            wanted = "short" if order.side == "buy" else "long"
            raise InvalidOrder(
                f"Reduce-only {order.side} needs an open {wanted} {order.symbol} position; there is none."
            )
    action, fill_price = _decide(order, price, resting=False)
    if action == CANCEL:
        order.status = PaperOrderStatus.CANCELLED
        order.save()
        return order
    leverage = request.leverage or position.leverage
    _check_margin(book, order, fill_price, leverage)
    if position.leverage != leverage or position.pk is None:
        position.leverage = leverage
        position.save()
    order.save()
    if action == FILL:
        _fill(book, order, fill_price)
    else:
        book.orders.append(order)
    return order


@transaction.atomic
def cancel_order(*, account: ExchangeAccount, venue_order_id: str) -> PaperOrder:
    order = find_order(account=account, venue_order_id=venue_order_id)
    _lock_balance(account.pk, order.symbol.rsplit("_", 1)[-1])
    order.refresh_from_db()
    if order.status != PaperOrderStatus.OPEN:
        raise InvalidOrder(f"Order {order.pk} is already {order.status}; only open orders can be cancelled.")
    order.status = PaperOrderStatus.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    return order


def find_order(
    *, account: ExchangeAccount, venue_order_id: str | None = None, client_order_id: str | None = None
) -> PaperOrder:
    orders = PaperOrder.objects.filter(account=account)
    try:
        if venue_order_id is not None:
            if str(venue_order_id).isdigit() and len(str(venue_order_id)) <= 18:
                return orders.get(pk=int(venue_order_id))
        elif client_order_id is not None:
            return orders.get(client_order_id=client_order_id)
    except PaperOrder.DoesNotExist:
        pass
    raise OrderNotFound(f"No paper order {venue_order_id or client_order_id!r} on this account.")


def margin_in_use(*, account: ExchangeAccount, quote: str) -> Decimal:
    """Initial margin held by the account's positions and resting orders in `quote` (no locks)."""
    return _Book(balance=None, **_book_rows(account.pk, quote)).used_margin()


# --- internals --------------------------------------------------------------------------------


@dataclass
class _Book:
    """One account's state in one quote asset, loaded under its balance row's lock."""

    balance: PaperBalance | None
    account_id: UUID
    positions: dict[str, PaperPosition] = field(default_factory=dict)
    orders: list[PaperOrder] = field(default_factory=list)  # open ones, oldest first

    def position(self, symbol: str) -> PaperPosition:
        if symbol not in self.positions:
            self.positions[symbol] = PaperPosition(
                account_id=self.account_id, symbol=symbol, quantity=Decimal(0), entry_price=Decimal(0)
            )
        return self.positions[symbol]

    def used_margin(
        self, *, symbol: str | None = None, state: tuple[Decimal, Decimal, int] | None = None, extra: list | None = None
    ) -> Decimal:
        """Margin in use; with `symbol`, as if its position were `state` and `extra` orders rested."""
        orders = [*self.orders, *(extra or [])]
        total = Decimal(0)
        for name in {*self.positions, *(order.symbol for order in orders), *([symbol] if symbol else [])}:
            position = self.position(name)
            quantity, entry, leverage = (
                state if name == symbol and state else (position.quantity, position.entry_price, position.leverage)
            )
            resting = [
                RestingOrder(order.side, order.quantity - order.filled_quantity, _reserve_price(order))
                for order in orders
                if order.symbol == name and not order.reduce_only
            ]
            total += symbol_margin(quantity=quantity, entry_price=entry, leverage=leverage, orders=resting)
        return total


def _book_rows(account_id: UUID, quote: str) -> dict:
    symbols = symbols_of(quote)
    positions = PaperPosition.objects.filter(account_id=account_id, symbol__in=symbols)
    orders = PaperOrder.objects.filter(account_id=account_id, symbol__in=symbols, status=PaperOrderStatus.OPEN)
    return {
        "account_id": account_id,
        "positions": {position.symbol: position for position in positions},
        "orders": list(orders.order_by("id")),
    }


def _open_book(account_id: UUID, quote: str) -> _Book:
    return _Book(balance=_lock_balance(account_id, quote), **_book_rows(account_id, quote))


def _lock_price(symbol: str) -> PaperPrice:
    row, _ = PaperPrice.objects.select_for_update().get_or_create(symbol=symbol, defaults={"price": markets()[symbol]})
    return row


def _lock_balance(account_id: UUID, asset: str) -> PaperBalance:
    row, _ = PaperBalance.objects.select_for_update().get_or_create(
        account_id=account_id, asset=asset, defaults={"total": Decimal(0)}
    )
    return row


def _reserve_price(order: PaperOrder) -> Decimal:
    return order.stop_price if order.order_type == "stop" else order.price


def _reducible(position: PaperPosition, side: str) -> Decimal:
    """How much of the position an order on `side` can close."""
    if side == "sell":
        return max(position.quantity, Decimal(0))
    return max(-position.quantity, Decimal(0))


def _decide(order: PaperOrder, price: Decimal, *, resting: bool) -> tuple[str, Decimal | None]:
    """What `order` does at `price`: fill (and at what price), rest, or be cancelled."""
    if order.order_type == "market":
        return FILL, price
    if order.order_type in ("stop", "stop_limit") and not order.triggered:
        reached = price >= order.stop_price if order.side == "buy" else price <= order.stop_price
        if not reached:
            return REST, None
        order.triggered = True
        if order.order_type == "stop":
            return FILL, price
        resting = False  # a triggered stop-limit is a new limit order: it takes the book like one
    marketable = price <= order.price if order.side == "buy" else price >= order.price
    if marketable:
        # A taker gets the book's price; a resting limit the price it asked for.
        return FILL, order.price if resting else price
    if not resting and order.time_in_force in ("IOC", "FOK"):
        return CANCEL, None
    return REST, None


def _check_margin(book: _Book, order: PaperOrder, fill_price: Decimal | None, leverage: int) -> None:
    position = book.position(order.symbol)
    before = book.used_margin()
    total = book.balance.total
    if fill_price is not None:
        result = apply_fill(
            quantity=position.quantity,
            entry_price=position.entry_price,
            side=order.side,
            size=order.quantity,
            price=fill_price,
        )
        fee = quantize(order.quantity * fill_price * fee_rate())
        after = book.used_margin(symbol=order.symbol, state=(result.quantity, result.entry_price, leverage))
        wallet = total + result.realized_pnl - fee
        notional = order.quantity * fill_price
    else:
        fee = Decimal(0)
        state = (position.quantity, position.entry_price, leverage)
        after = book.used_margin(symbol=order.symbol, state=state, extra=[order])
        wallet = total
        notional = order.quantity * _reserve_price(order)
    # An order that frees margin (closing, reducing) is never refused, whatever the balance.
    if after > before and wallet < after:
        quote = order.symbol.rsplit("_", 1)[1]
        raise InsufficientFunds(
            f"Not enough free margin for this {order.side} of {tidy(order.quantity)} {order.symbol}: it needs "
            f"{tidy(quantize(after - before + fee))} {quote} (notional {tidy(quantize(notional))} at {leverage}x"
            f" leverage plus a {tidy(fee)} fee) and {tidy(quantize(total - before))} {quote} is free."
        )


def _fill(book: _Book, order: PaperOrder, price: Decimal) -> PaperFill | None:
    position = book.position(order.symbol)
    size = order.quantity - order.filled_quantity
    if order.reduce_only:
        # What is left of the position may be smaller than the order by now: close only that.
        size = min(size, _reducible(position, order.side))
        if size <= 0:
            _close(book, order, PaperOrderStatus.CANCELLED)
            return None
    result = apply_fill(
        quantity=position.quantity, entry_price=position.entry_price, side=order.side, size=size, price=price
    )
    fee = quantize(size * price * fee_rate())
    position.quantity, position.entry_price = result.quantity, result.entry_price
    position.save()
    book.balance.total = quantize(book.balance.total + result.realized_pnl - fee)
    book.balance.save(update_fields=["total"])
    order.filled_quantity += size
    order.average_price = price
    _close(book, order, PaperOrderStatus.FILLED)
    return PaperFill.objects.create(
        account_id=book.account_id,
        order=order,
        symbol=order.symbol,
        side=order.side,
        price=price,
        quantity=size,
        fee=fee,
        fee_asset=order.symbol.rsplit("_", 1)[1],
        realized_pnl=result.realized_pnl,
    )


def _close(book: _Book, order: PaperOrder, status: str) -> None:
    order.status = status
    order.save()
    book.orders = [other for other in book.orders if other.pk != order.pk]
