"""Ghost orders: orders live on a venue, or in the platform's books, that no open trade or
standalone order accounts for any more (an attempt whose answer was lost, a leg a dead worker
left behind). `POST /api/v1/trades/cleanup` cancels them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from apps.exchanges.selectors import active_accounts
from apps.exchanges.venues import PAPER, venue_for
from apps.exchanges.venues.base import VenueError, VenueOrder
from apps.trades.execution import cancel_order, refresh_order
from apps.trades.models import CLIENT_ORDER_PREFIX, LIVE_ORDER_STATUSES, OPEN_GROUP_STATUSES, Order
from apps.trades.services.sync import PENDING_OR_LIVE

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.exchanges.models import ExchangeAccount


def _ghost(account_id: UUID, found: VenueOrder, order: Order | None, reason: str) -> dict[str, Any]:
    return {
        "account_id": str(account_id),
        "order_id": str(order.id) if order is not None else None,
        "client_order_id": found.client_order_id,
        "venue_order_id": found.venue_order_id,
        "symbol": found.symbol,
        "side": found.side,
        "type": found.order_type,
        "price": found.price,
        "stop_price": found.stop_price,
        "quantity": found.quantity,
        "reason": reason,
    }


def _is_ours(account: ExchangeAccount, found: VenueOrder, order: Order | None) -> bool:
    # Orders a trader placed on the exchange's own site are theirs: never touched. On the paper
    # exchange every order went through the platform.
    client_id = found.client_order_id or ""
    return order is not None or client_id.startswith(CLIENT_ORDER_PREFIX) or account.exchange_name == PAPER


def _kept(order: Order | None) -> bool:
    """A venue order the platform still means to have: live, alone or in an open group."""
    if order is None or order.status not in LIVE_ORDER_STATUSES:
        return False
    return order.group_id is None or order.group.status in OPEN_GROUP_STATUSES


def cleanup_ghost_orders(*, user: User) -> dict[str, Any]:
    """Cancel the trader's ghost orders: platform orders still live in a group that has ended,
    and orders open on a venue that no live platform order accounts for (an attempt whose
    answer was lost, a leg left behind by a crash). Orders the trader placed outside the
    platform (a client id without the platform's prefix) are left alone. A venue that cannot be
    reached is reported in `errors` and the others are still cleaned."""
    cancelled: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    ended = Order.objects.filter(user=user, status__in=PENDING_OR_LIVE, group__isnull=False).exclude(
        group__status__in=OPEN_GROUP_STATUSES
    )
    for order in ended.select_related("exchange_account"):
        try:
            cancel_order(order=order)
        except VenueError as exc:
            errors.append({"account_id": str(order.exchange_account_id), "message": str(exc.detail)})
    for account in active_accounts(user=user):
        try:
            open_orders = venue_for(account).fetch_open_orders()
        except VenueError as exc:
            errors.append({"account_id": str(account.id), "message": str(exc.detail)})
            continue
        client_ids = [o.client_order_id for o in open_orders if o.client_order_id]
        known = {
            o.client_order_id: o
            for o in Order.objects.filter(exchange_account=account, client_order_id__in=client_ids).select_related(
                "group"
            )
        }
        for found in open_orders:
            order = known.get(found.client_order_id or "")
            if _kept(order) or not _is_ours(account, found, order):
                continue
            try:
                _cancel_ghost(account, found, order)
            except VenueError as exc:
                errors.append({"account_id": str(account.id), "message": str(exc.detail)})
                continue
            cancelled.append(_ghost(account.id, found, order, "unknown" if order is None else "ended"))
    return {"cancelled": len(cancelled), "orders": cancelled, "errors": errors}


def _cancel_ghost(account: ExchangeAccount, found: VenueOrder, order: Order | None) -> None:
    venue_for(account).cancel_order(symbol=found.symbol, venue_order_id=found.venue_order_id)
    if order is not None:
        refresh_order(order=order)
