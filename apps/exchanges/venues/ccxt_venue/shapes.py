"""ccxt's unified order, trade and OHLCV structures as the protocol's dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from apps.exchanges.venues.base import Candle, OrderRequest, VenueOrder, VenueTrade
from apps.exchanges.venues.ccxt_venue.markets import dec, when

# ccxt's order states -> the protocol's; `open` splits on whether anything has filled.
_STATUSES = {
    "closed": "filled",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "expired": "expired",
    "rejected": "rejected",
}


def venue_order(
    raw: dict[str, Any], *, platform: Callable[[str | None], str], request: OrderRequest | None = None
) -> VenueOrder:
    """`raw` as a VenueOrder; fields a venue leaves out of its answer come from `request`."""
    info = raw.get("info") or {}
    price = dec(raw.get("price"))
    trigger = dec(raw.get("triggerPrice") or raw.get("stopPrice"))
    ccxt_type = (raw.get("type") or "").lower()
    if trigger:
        order_type = "stop" if ccxt_type == "market" or not price else "stop_limit"
    elif ccxt_type:
        order_type = "market" if ccxt_type == "market" else "limit"
    else:
        order_type = request.order_type if request else "limit"
    filled = dec(raw.get("filled"), Decimal(0))
    status = raw.get("status") or ""
    state = _STATUSES.get(status) or ("partially_filled" if filled else "open")
    return VenueOrder(
        venue_order_id=str(raw.get("id")),
        # Binance answers a cancel with the cancel's own client id; the order's is `origClientOrderId`.
        client_order_id=(
            info.get("origClientOrderId") or raw.get("clientOrderId") or (request.client_order_id if request else None)
        ),
        symbol=platform(raw["symbol"]) if raw.get("symbol") else (request.symbol if request else ""),
        side=raw.get("side") or (request.side if request else ""),
        order_type=order_type,
        status=state,
        quantity=dec(raw.get("amount")) or (request.quantity if request else Decimal(0)),
        filled_quantity=filled,
        average_price=dec(raw.get("average")) or None,
        price=price or None,
        stop_price=trigger or None,
    )


def venue_trade(raw: dict[str, Any], *, platform: Callable[[str | None], str]) -> VenueTrade:
    info, fee = raw.get("info") or {}, raw.get("fee") or {}
    # Derivatives venues report the realised P&L of a closing fill under their own names.
    pnl = next((info[key] for key in ("realizedPnl", "fillPnl", "closedPnl") if info.get(key) is not None), None)
    return VenueTrade(
        trade_id=str(raw["id"]),
        order_id=str(raw["order"]) if raw.get("order") is not None else None,
        symbol=platform(raw.get("symbol")),
        side=raw.get("side") or "",
        price=dec(raw.get("price"), Decimal(0)),
        quantity=dec(raw.get("amount"), Decimal(0)),
        fee=dec(fee.get("cost"), Decimal(0)),
        fee_asset=fee.get("currency") or "",
        executed_at=when(raw.get("timestamp")),
        realized_pnl=dec(pnl),
    )


def candles_from_ohlcv(rows: list[list[Any]] | None) -> list[Candle]:
    """ccxt's `[ms, open, high, low, close, volume]` rows as candles, oldest first; rows with a
    missing price are left out."""
    candles = []
    for row in sorted(rows or [], key=lambda r: int(r[0] or 0)):
        prices = [dec(value) for value in row[1:5]]
        if any(price is None for price in prices):
            continue
        volume = dec(row[5]) if len(row) > 5 else None
        candles.append(Candle(when(row[0]), *prices, volume=volume))
    return candles
