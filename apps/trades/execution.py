"""The only path from an `Order` row to a venue: send, cancel, and follow orders.

Every order is saved first (PENDING_SUBMIT, or WAITING for a protective leg) and sent with its
`client_order_id`, so an attempt whose answer was lost is found again rather than sent twice.
Each function locks the order's row while it talks to the venue: two workers never send or
cancel the same order at once. Every change is published on `order.<user_id>` after commit;
fills that move balances are followed by `balance.<user_id>`. A group's protective legs go out
together (`submit_orders`: one venue call, one write), and a symbol's live orders are followed
with one read of the venue's open orders (`refresh_orders`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import transaction

from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import (
    InvalidOrder,
    OrderNotFound,
    OrderRequest,
    RateLimited,
    Venue,
    VenueError,
    VenueOrder,
)
from apps.trades.fills import fills_missing, record_order_fills
from apps.trades.models import FINAL_ORDER_STATUSES, LIVE_ORDER_STATUSES, Order, OrderRole, OrderStatus
from apps.trades.streams import order_event, publish_balance, publish_order

if TYPE_CHECKING:
    from apps.exchanges.models import ExchangeAccount

logger = logging.getLogger(__name__)

__all__ = [
    "cancel_order",
    "is_refusal",
    "order_event",
    "refresh_order",
    "refresh_orders",
    "send_held_order",
    "submit_order",
    "submit_orders",
]

_VENUE_STATES = {
    "open": OrderStatus.OPEN,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELLED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def is_refusal(exc: VenueError) -> bool:
    """True when the venue answered and said no (bad order, funds, key); False when the order's
    fate is unknown (timeout, exchange down, rate limit): it may have landed, so it is kept."""
    return exc.status_code < 500 and not isinstance(exc, RateLimited)


def _locked(order_id: UUID) -> Order:
    # `of`: PostgreSQL cannot lock the nullable side of the outer join to the group.
    return Order.objects.select_for_update(of=("self",)).select_related("exchange_account", "group").get(id=order_id)


def _request(order: Order, leverage: int | None) -> OrderRequest:
    return OrderRequest(
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=order.quantity,
        client_order_id=order.client_order_id,
        price=order.price,
        stop_price=order.stop_price,
        time_in_force=order.time_in_force,
        reduce_only=order.reduce_only,
        leverage=leverage,
    )


def _find_on_venue(venue: Venue, order: Order) -> VenueOrder | None:
    try:
        if order.venue_order_id:
            return venue.fetch_order(symbol=order.symbol, venue_order_id=order.venue_order_id)
        return venue.fetch_order(symbol=order.symbol, client_order_id=order.client_order_id)
    except OrderNotFound:
        return None


def _status_of(found: VenueOrder) -> str:
    status = _VENUE_STATES.get(found.status, OrderStatus.OPEN)
    if status == OrderStatus.OPEN and found.filled_quantity > 0:
        return OrderStatus.PARTIALLY_FILLED
    return status


def _publish_balances(venue: Venue, order: Order) -> None:
    try:
        balances = venue.fetch_balance()
    except VenueError as exc:
        logger.warning("Could not read the balance of account %s: %s", order.exchange_account_id, exc.detail)
        return
    publish_balance(order.exchange_account, balances)


def _differs(order: Order, found: VenueOrder) -> bool:
    """True when the venue's view of the order is not what its row records."""
    return (
        _status_of(found) != order.status
        or found.filled_quantity != order.filled_quantity
        or found.average_price != order.average_price
        or found.venue_order_id != order.venue_order_id
    )


def _copy(order: Order, found: VenueOrder) -> None:
    order.status = _status_of(found)
    order.venue_order_id = found.venue_order_id
    order.filled_quantity = found.filled_quantity
    order.average_price = found.average_price


def _apply(venue: Venue, order: Order, found: VenueOrder) -> bool:
    """Copy the venue's view of the order onto the row; True when anything a trader sees changed."""
    filled_more = found.filled_quantity > order.filled_quantity
    changed = _differs(order, found)
    if changed:
        _copy(order, found)
        order.save(update_fields=["status", "venue_order_id", "filled_quantity", "average_price", "updated_at"])
    if filled_more or fills_missing(order):
        record_order_fills(venue, order, found)
    if changed:
        publish_order(order)
    if filled_more:
        _publish_balances(venue, order)
    return changed


def _mark(order: Order, status: str, error: str = "") -> None:
    order.status = status
    order.error = error[:500]
    order.save(update_fields=["status", "error", "updated_at"])
    publish_order(order)


def _place_or_adopt(venue: Venue, order: Order, *, resend: bool, leverage: int | None) -> VenueOrder:
    if resend or order.venue_order_id:
        # An earlier attempt may have reached the venue and lost its answer: adopt it.
        existing = _find_on_venue(venue, order)
        if existing is not None:
            return existing
    try:
        return venue.place_order(_request(order, leverage))
    except InvalidOrder:
        # Some venues refuse a second order with a client id they already hold.
        existing = _find_on_venue(venue, order)
        if existing is not None:
            return existing
        raise


def submit_order(*, order_id: UUID, resend: bool = False, leverage: int | None = None) -> Order:
    """Send a PENDING_SUBMIT order to its venue with its client order id, and record the answer.

    Idempotent: an order already sent is returned as it is, and an order the venue already holds
    under its client id (an attempt whose answer was lost) is adopted, never sent again; `resend`
    (the sync worker's retries) asks the venue for it before placing. A refusal marks the order
    REJECTED with the venue's message; an unreachable venue leaves it PENDING_SUBMIT for the sync
    worker to resend. Either way the VenueError is raised again for the caller to answer with.
    """
    # No savepoint when nested: a venue's error is kept and raised once the block is over, so
    # nothing is ever rolled back to one.
    with transaction.atomic(savepoint=False):
        order = _locked(order_id)
        failure = send_held_order(order=order, resend=resend, leverage=leverage)
    if failure is not None:
        raise failure
    return order


def send_held_order(*, order: Order, resend: bool = False, leverage: int | None = None) -> VenueError | None:
    """`submit_order` for an order whose row the caller's transaction holds (locked, or created in
    it), with its `exchange_account` and `group` loaded: the venue's error is returned, not raised,
    for the caller to raise once its transaction is over."""
    if order.status != OrderStatus.PENDING_SUBMIT:
        return None
    venue = venue_for(order.exchange_account)
    if leverage is None and order.group_id is not None and order.role == OrderRole.ENTRY:
        leverage = order.group.leverage
    try:
        found = _place_or_adopt(venue, order, resend=resend, leverage=leverage)
    except VenueError as exc:
        if is_refusal(exc):
            _mark(order, OrderStatus.REJECTED, str(exc.detail))
        else:
            order.error = str(exc.detail)[:500]
            order.save(update_fields=["error", "updated_at"])
        return exc
    if order.error:
        order.error = ""
        order.save(update_fields=["error", "updated_at"])
    if not _apply(venue, order, found):
        publish_order(order)
    return None


_SENT_FIELDS = [
    "status",
    "venue_order_id",
    "filled_quantity",
    "average_price",
    "quantity",
    "stop_price",
    "error",
    "updated_at",
]


def submit_orders(*, account: ExchangeAccount, orders: list[Order], created_here: bool = False) -> list[Order]:
    """Send orders of `account` that carry no leverage of their own (a group's stop, targets,
    close) in one venue call, in their order, and save each answer, as `submit_order` would one
    by one. The orders are PENDING_SUBMIT in memory, with the sizes to send; their rows may still
    read WAITING. Call it in the transaction that holds their group.

    None raises: a refusal leaves its order REJECTED with the venue's reason, an unreachable
    venue leaves it PENDING_SUBMIT with the error, for the sync worker to resend. The venue stops
    after an order that fills at once (`Venue.place_orders`): the ones after it are neither sent
    nor saved, and are not in the returned list, so the caller sizes them again. `created_here`:
    the caller's transaction created the rows, which no other can see, so they are not locked.
    """
    if not orders:
        return []
    if not created_here:
        # Locked while the venue is asked, as `submit_order` locks its one; an order another
        # request moved on meanwhile is left out.
        still = set(
            Order.objects.select_for_update()
            .filter(id__in=[order.id for order in orders], status__in=(OrderStatus.WAITING, OrderStatus.PENDING_SUBMIT))
            .values_list("id", flat=True)
        )
        orders = [order for order in orders if order.id in still]
    venue = venue_for(account)
    answers = venue.place_orders([_request(order, None) for order in orders]) if orders else []
    sent: list[tuple[Order, VenueOrder | VenueError]] = []
    for order, answer in zip(orders, answers, strict=True):
        if answer is None:
            break
        order.exchange_account = account
        if isinstance(answer, InvalidOrder):
            # Some venues refuse a second order with a client id they already hold.
            answer = _find_on_venue(venue, order) or answer
        if isinstance(answer, VenueError):
            order.status = OrderStatus.REJECTED if is_refusal(answer) else OrderStatus.PENDING_SUBMIT
            order.error = str(answer.detail)[:500]
            log = logger.warning if is_refusal(answer) else logger.info
            log("Order %s of group %s not placed: %s", order.id, order.group_id, answer.detail)
        else:
            _copy(order, answer)
            order.error = ""
        # One UPDATE each: Django's bulk_update (a CASE per column) measured several times slower
        # for the three legs of a trade.
        order.save(update_fields=_SENT_FIELDS)
        sent.append((order, answer))
    for order, answer in sent:
        if isinstance(answer, VenueError) and not is_refusal(answer):
            continue  # its fate is unknown: nothing a trader sees has changed yet
        if order.filled_quantity > 0:
            record_order_fills(venue, order, None if isinstance(answer, VenueError) else answer)
        publish_order(order)
        if order.filled_quantity > 0:
            _publish_balances(venue, order)
    return [order for order, _ in sent]


def cancel_order(*, order: Order, status: str = OrderStatus.CANCELLED) -> Order:
    """Cancel the order on its venue if it is live there, and mark it `status` (CANCELLED, or
    EXPIRED for an order past its `expiresAt`). An order that filled before the cancel reached the
    venue is recorded as filled. A venue that cannot be reached raises, leaving the order as it was."""
    with transaction.atomic():
        order = _locked(order.id)
        if order.status in FINAL_ORDER_STATUSES:
            return order
        if order.status == OrderStatus.WAITING:
            _mark(order, status)
            return order
        venue = venue_for(order.exchange_account)
        found = _find_on_venue(venue, order)
        if found is not None and found.status in ("open", "partially_filled"):
            try:
                found = venue.cancel_order(symbol=order.symbol, venue_order_id=found.venue_order_id)
            except (OrderNotFound, InvalidOrder):
                # It filled or ended between the read and the cancel: record how it ended.
                found = _find_on_venue(venue, order)
                if found is not None and found.status in ("open", "partially_filled"):
                    raise
        if found is not None:
            _apply(venue, order, found)
            ended_otherwise = order.status in FINAL_ORDER_STATUSES and order.status != OrderStatus.CANCELLED
            if ended_otherwise or order.status == status:
                return order
        _mark(order, status, order.error)
    return order


def refresh_order(*, order: Order) -> Order:
    """Read the order's state from its venue: new fills, new status, published when changed.

    A PENDING_SUBMIT order is resent (adopted if it landed). An order the venue no longer knows is
    left as it is: the venue may list it again once it answers normally."""
    if order.status == OrderStatus.PENDING_SUBMIT:
        try:
            return submit_order(order_id=order.id, resend=True)
        except VenueError:
            return Order.objects.get(id=order.id)
    with transaction.atomic():
        order = _locked(order.id)
        if order.status not in LIVE_ORDER_STATUSES and not fills_missing(order):
            return order
        venue = venue_for(order.exchange_account)
        found = _find_on_venue(venue, order)
        if found is not None:
            _apply(venue, order, found)
    return order


def refresh_orders(*, account: ExchangeAccount, symbol: str, orders: list[Order]) -> None:
    """Refresh live orders of one account and symbol with one read of the venue's open orders:
    an order the venue lists just as its row records it has not changed and is left alone; any
    other (ended, filled, being resent, with fills to record) is refreshed on its own
    (`refresh_order`). So the cost does not grow with orders that did not change."""
    if not orders:
        return
    listed = venue_for(account).fetch_open_orders(symbol)
    by_venue_id = {found.venue_order_id: found for found in listed}
    by_client_id = {found.client_order_id: found for found in listed if found.client_order_id}
    for order in orders:
        if order.venue_order_id:
            found = by_venue_id.get(order.venue_order_id)
        else:
            found = by_client_id.get(order.client_order_id)
        unchanged = found is not None and order.filled_quantity == 0 and not _differs(order, found)
        if not unchanged or order.status == OrderStatus.PENDING_SUBMIT:
            refresh_order(order=order)
