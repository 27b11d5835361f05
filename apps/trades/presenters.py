"""Seed 003's trade-group body, built as plain dicts from a group and its prefetched orders.

Each function writes exactly what its serializer in apps/trades/api/groups.py documents, key for
key and in the same order (tests/trades/test_presenters.py holds the two together); the
serializers stay as the OpenAPI schema. Amounts are `plain_amount` strings, statuses and roles
lower case, times ISO-8601 UTC with a `Z`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from apps.core.fields import iso_z, plain_amount

if TYPE_CHECKING:
    from apps.trades.models import Order, TradeGroup


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def order_terms(order: Order) -> dict[str, Any]:
    """What an order asks and how far it got, as both the REST body and the `order.<user_id>`
    stream event write it (apps/trades/streams.py)."""
    return {
        "type": order.order_type,
        "time_in_force": order.time_in_force,
        "price": plain_amount(order.price),
        "stop_price": plain_amount(order.stop_price),
        "quantity": plain_amount(order.quantity),
        "filled_quantity": plain_amount(order.filled_quantity),
        "average_price": plain_amount(order.average_price),
        "reduce_only": order.reduce_only,
    }


def present_order(order: Order) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "role": order.role.lower(),
        "target_index": order.target_index,
        "symbol": order.symbol,
        "side": order.side,
        **order_terms(order),
        "status": order.status.lower(),
        "client_order_id": order.client_order_id,
        "venue_order_id": order.venue_order_id,
        "error": order.error,
        "created_at": iso_z(order.created_at),
        "updated_at": iso_z(order.updated_at),
    }


def present_decision(decision: dict[str, Any]) -> dict[str, Any]:
    return {
        "approved": decision["approved"],
        "entry_price": _text(decision["entry_price"]),
        "quantity": _text(decision["quantity"]),
        "max_quantity": _text(decision["max_quantity"]),
        "size_limits": {str(name): _text(limit) for name, limit in decision["size_limits"].items()},
        "risk_amount": _text(decision["risk_amount"]),
        "risk_reward": _text(decision["risk_reward"]),
        "drawdown_percent": _text(decision["drawdown_percent"]),
        "violations": [{"rule": _text(v["rule"]), "message": _text(v["message"])} for v in decision["violations"]],
    }


def present_group(group: TradeGroup, orders: Iterable[Order] | None = None) -> dict[str, Any]:
    """The group as `TradeGroupOutput` writes it; its orders given, or from the prefetch of the
    selectors."""
    return {
        "id": str(group.id),
        "status": group.status.lower(),
        "exchange_account_id": str(group.exchange_account_id),
        "symbol": group.symbol,
        "side": group.side,
        "entry_type": group.entry_type,
        "entry_price": plain_amount(group.entry_price),
        "quantity": plain_amount(group.quantity),
        "stop_loss_price": plain_amount(group.stop_loss_price),
        "leverage": group.leverage,
        "break_even": group.break_even,
        "break_even_done": group.break_even_done,
        "filled_quantity": plain_amount(group.filled_quantity),
        "average_entry_price": plain_amount(group.average_entry_price),
        "closed_quantity": plain_amount(group.closed_quantity),
        "realized_pnl": plain_amount(group.realized_pnl),
        "close_reason": group.close_reason,
        "idempotency_key": group.idempotency_key,
        "decision": present_decision(group.decision),
        "orders": [present_order(order) for order in (group.orders.all() if orders is None else orders)],
        "created_at": iso_z(group.created_at),
        "updated_at": iso_z(group.updated_at),
        "closed_at": iso_z(group.closed_at),
    }
