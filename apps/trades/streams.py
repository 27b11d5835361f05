"""The payloads of the `order.<user_id>` and `balance.<user_id>` streams, and their publishing.

Seed 003's event: `{"stream": "order.<uid>", "data": {"e": "order_update", "s": "BTC_USDT",
"status": "filled", ...}}`. Decimals travel as strings, as the REST API renders them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.core.fields import iso_z, plain_amount
from apps.core.streams import publish_on_commit
from apps.trades.presenters import order_terms

if TYPE_CHECKING:
    from apps.exchanges.models import ExchangeAccount
    from apps.exchanges.venues.base import Balance
    from apps.trades.models import Order


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def order_event(order: Order) -> dict[str, Any]:
    """The `order.<user_id>` payload of an order as it is now."""
    return {
        "e": "order_update",
        "s": order.symbol,
        "status": order.status.lower(),
        "order_id": str(order.id),
        "client_order_id": order.client_order_id,
        "group_id": _text(order.group_id),
        "account_id": str(order.exchange_account_id),
        "role": order.role.lower(),
        "side": order.side,
        **order_terms(order),
        "error": order.error or None,
        "updated_at": iso_z(order.updated_at, milliseconds=True),
    }


def balance_event(account: ExchangeAccount, balances: list[Balance]) -> dict[str, Any]:
    """The `balance.<user_id>` payload: every asset of one account after a change."""
    return {
        "e": "balance_update",
        "account_id": str(account.id),
        "balances": [
            {
                "asset": b.asset,
                "free": plain_amount(b.free),
                "used": plain_amount(b.used),
                "total": plain_amount(b.total),
            }
            for b in balances
        ],
    }


def publish_order(order: Order) -> None:
    publish_on_commit(f"order.{order.user_id}", order_event(order))


def publish_balance(account: ExchangeAccount, balances: list[Balance]) -> None:
    publish_on_commit(f"balance.{account.user_id}", balance_event(account, balances))
