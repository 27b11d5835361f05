"""What keeps an exchange account from being removed: live trades and orders on it."""

from __future__ import annotations

from uuid import UUID

from apps.core.errors import ApiError
from apps.trades.models import LIVE_ORDER_STATUSES, OPEN_GROUP_STATUSES, Order, TradeGroup


def refuse_removal_with_open_trades(account_id: UUID) -> None:
    """Registered with apps.exchanges.hooks: removing the account would orphan them."""
    open_groups = TradeGroup.objects.filter(exchange_account_id=account_id, status__in=OPEN_GROUP_STATUSES)
    live_orders = Order.objects.filter(
        exchange_account_id=account_id, group__isnull=True, status__in=LIVE_ORDER_STATUSES
    )
    if open_groups.exists() or live_orders.exists():
        raise ApiError(
            status=409,
            code="ACCOUNT_HAS_OPEN_TRADES",
            message="Close or cancel this account's open trades and orders before removing it.",
        )
