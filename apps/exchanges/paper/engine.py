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
tick cannot match against a half-placed order. A batch (`place_orders`) takes the price rows of
all its symbols, then the balance rows of all its quote assets, each in name order. A later
batch of the same account in the same transaction (a trade's stop and targets after its entry)
uses those locks and books again instead of reading them once more (`held`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from apps.core.rows import exact, fetch_value
from apps.exchanges.models import (
    ExchangeAccount,
    PaperBalance,
    PaperFill,
    PaperOrder,
    PaperOrderStatus,
    PaperPosition,
    PaperPrice,
)
from apps.exchanges.paper.book import Book, book_rows, margins_in_use, reserve_price
from apps.exchanges.paper.held import Held
from apps.exchanges.paper.ledger import apply_fill, quantize, tidy
from apps.exchanges.paper.markets import (
    amount,
    fee_rate,
    markets,
    new_order,
    price_step,
    quote_assets,
    quote_of,
)
from apps.exchanges.venues.base import InsufficientFunds, InvalidOrder, OrderNotFound, OrderRequest, VenueError

if TYPE_CHECKING:
    from uuid import UUID

# The market and book helpers are re-exported: callers need only the engine.
__all__ = [
    "cancel_order",
    "current_price",
    "current_prices",
    "find_order",
    "fund_account",
    "margins_in_use",
    "markets",
    "place_order",
    "place_orders",
    "price_step",
    "quote_of",
    "set_price",
]

FILL, REST, CANCEL = "fill", "rest", "cancel"
_PRICE_PLACES = PaperPrice._meta.get_field("price").decimal_places


# --- prices and funding -----------------------------------------------------------------------


def fund_account(*, account: ExchangeAccount) -> None:
    """Give a paper account `PAPER_STARTING_BALANCE` of each quote asset, once: funding an
    account twice changes nothing, nor does it top up a balance that trading has moved."""
    starting = Decimal(str(settings.PAPER_STARTING_BALANCE))
    for asset in quote_assets():
        PaperBalance.objects.get_or_create(account=account, asset=asset, defaults={"total": starting})


def current_price(symbol: str) -> Decimal:
    quote_of(symbol)
    # Plain SQL: every market ticket asks, and the ORM's compile cost more than running it.
    price = fetch_value("SELECT price FROM exchanges_paperprice WHERE symbol = %s", [symbol])
    if price is None:
        price = PaperPrice.objects.get_or_create(symbol=symbol, defaults={"price": markets()[symbol]})[0].price
    return tidy(exact(price, _PRICE_PLACES))


def current_prices() -> dict[str, Decimal]:
    stored = dict(PaperPrice.objects.filter(symbol__in=list(markets())).values_list("symbol", "price"))
    return {symbol: tidy(stored.get(symbol, opening)) for symbol, opening in markets().items()}


@transaction.atomic
def set_price(*, symbol: str, price: Decimal) -> None:
    """Move `symbol` to `price` and match every account's resting orders against it."""
    quote = quote_of(symbol)
    price = amount(price, "price")
    Held.drop()
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


def place_order(*, account: ExchangeAccount, request: OrderRequest) -> PaperOrder:
    """Place an order; it fills at once, rests, or (IOC/FOK) is cancelled.

    Resending a `client_order_id` this account already used returns that order unchanged.
    Refused with nothing written: bad input (InvalidOrder, UnknownSymbol), a reduce-only order
    with no position to reduce (InvalidOrder), not enough free margin (InsufficientFunds).
    """
    (placed,) = place_orders(account=account, requests=[request])
    if isinstance(placed, VenueError):
        raise placed
    return placed


# No savepoint when nested: a refusal is answered rather than raised, and is found before
# anything is written, so there is never half an order to roll back.
@transaction.atomic(savepoint=False)
def place_orders(*, account: ExchangeAccount, requests: Sequence[OrderRequest]) -> list[PaperOrder | VenueError | None]:
    """Place several orders of one account in turn, each as `place_order` would on its own, in
    one transaction: the prices, the balances and the book are locked and read once for them all.

    Each answer is in its request's place: the order, or the error that refused it (a refusal
    writes nothing, and the orders after it are still placed). Placing stops after an order that
    fills, in part or in full: the position the later ones were sized against has moved, so they
    are not placed (None in their place) and the caller decides them again.
    """
    answers: list[PaperOrder | VenueError | None] = []
    for request in requests:
        try:
            answers.append(new_order(account, request))
        except VenueError as exc:
            answers.append(exc)
    wanted = [order for order in answers if isinstance(order, PaperOrder)]
    symbols = sorted({order.symbol for order in wanted})
    quotes = sorted({quote_of(symbol) for symbol in symbols})
    held = Held.of(account.pk, symbols, quotes)
    if held is None:
        prices = {symbol: _lock_price(symbol).price for symbol in symbols}
        books = {quote: _open_book(account.pk, quote) for quote in quotes}
        held = Held.keep(account.pk, prices, books)
    prices, books = held.prices, held.books
    sent_before = PaperOrder.objects.filter(account=account, client_order_id__in=[o.client_order_id for o in wanted])
    known = {order.client_order_id: order for order in sent_before}
    resting: list[PaperOrder] = []
    for index, (request, order) in enumerate(zip(requests, answers, strict=True)):
        if not isinstance(order, PaperOrder):
            continue
        if order.client_order_id in known:
            order = answers[index] = known[order.client_order_id]
        else:
            try:
                _place(books[quote_of(order.symbol)], order, prices[order.symbol], request.leverage, resting)
            except VenueError as exc:
                answers[index] = exc
                continue
            known[order.client_order_id] = order
        if order.filled_quantity > 0:
            answers[index + 1 :] = [None] * (len(answers) - index - 1)
            break
    _save(resting)
    return answers


def _place(book: Book, order: PaperOrder, price: Decimal, leverage: int | None, resting: list[PaperOrder]) -> None:
    """Fill, rest or cancel one new order against `book`; raises before writing anything when it
    is refused. A resting order joins `resting`, saved by the caller in one insert; the ones
    waiting there are saved first when this one fills, so ids keep the order of placing."""
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
        resting.append(order)
        return
    leverage = leverage or position.leverage
    _check_margin(book, order, fill_price, leverage)
    if position.leverage != leverage or position.pk is None:
        position.leverage = leverage
        position.save()
    if action == FILL:
        _save(resting)
        order.save()
        _fill(book, order, fill_price)
    else:
        resting.append(order)
        book.orders.append(order)


def _save(orders: list[PaperOrder]) -> None:
    if orders:
        PaperOrder.objects.bulk_create(orders)
        orders.clear()


@transaction.atomic
def cancel_order(*, account: ExchangeAccount, venue_order_id: str) -> PaperOrder:
    Held.drop()
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


# --- internals --------------------------------------------------------------------------------


def _open_book(account_id: UUID, quote: str) -> Book:
    return Book(balance=_lock_balance(account_id, quote), **book_rows(account_id, quote))


def _lock_price(symbol: str) -> PaperPrice:
    row, _ = PaperPrice.objects.select_for_update().get_or_create(symbol=symbol, defaults={"price": markets()[symbol]})
    return row


def _lock_balance(account_id: UUID, asset: str) -> PaperBalance:
    row, _ = PaperBalance.objects.select_for_update().get_or_create(
        account_id=account_id, asset=asset, defaults={"total": Decimal(0)}
    )
    return row


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


def _check_margin(book: Book, order: PaperOrder, fill_price: Decimal | None, leverage: int) -> None:
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
        notional = order.quantity * reserve_price(order)
    # An order that frees margin (closing, reducing) is never refused, whatever the balance.
    if after > before and wallet < after:
        quote = order.symbol.rsplit("_", 1)[1]
        raise InsufficientFunds(
            f"Not enough free margin for this {order.side} of {tidy(order.quantity)} {order.symbol}: it needs "
            f"{tidy(quantize(after - before + fee))} {quote} (notional {tidy(quantize(notional))} at {leverage}x"
            f" leverage plus a {tidy(fee)} fee) and {tidy(quantize(total - before))} {quote} is free."
        )


def _fill(book: Book, order: PaperOrder, price: Decimal) -> PaperFill | None:
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
    fill = PaperFill.objects.create(
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
    order.new_fills = [*(order.new_fills or []), fill]
    return fill


def _close(book: Book, order: PaperOrder, status: str) -> None:
    order.status = status
    order.save()
    book.orders = [other for other in book.orders if other.pk != order.pk]
