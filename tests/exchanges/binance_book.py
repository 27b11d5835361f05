"""The account behind the local Binance server: balances, orders and per-symbol trade ids
(Binance numbers trades per market), with Binance's reject codes. Decimals throughout."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

EIGHT = Decimal("0.00000001")
# Orders still on the book: they can fill, be cancelled, and hold funds.
OPEN = ("NEW", "PARTIALLY_FILLED")
# The optional parameters of GET /api/v3/myTrades that Binance accepts together (with `symbol`).
MY_TRADES_QUERIES = (
    set(),
    {"orderId"},
    {"startTime"},
    {"endTime"},
    {"fromId"},
    {"startTime", "endTime"},
    {"orderId", "fromId"},
)
ORDER_TYPES = ("LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER")


class BinanceReject(Exception):
    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def fmt(value: Decimal) -> str:
    return f"{value.quantize(EIGHT):f}"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class SymbolSpec:
    base: str
    quote: str
    tick_size: Decimal = EIGHT
    step_size: Decimal = EIGHT
    min_qty: Decimal = EIGHT


@dataclass
class BinanceState:
    """The account behind the server. Tests read and change it directly (under `lock`)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    symbols: dict[str, SymbolSpec] = field(
        default_factory=lambda: {"BTCUSDT": SymbolSpec("BTC", "USDT"), "ETHUSDT": SymbolSpec("ETH", "USDT")}
    )
    prices: dict[str, Decimal] = field(
        default_factory=lambda: {"BTCUSDT": Decimal("50000"), "ETHUSDT": Decimal("3000")}
    )
    # asset -> [free, locked]
    balances: dict[str, list[Decimal]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    trades: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fee_rate: Decimal = Decimal("0")
    order_ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    # --- set-up helpers ----------------------------------------------------------------------

    def set_balance(self, asset: str, free: str | Decimal, locked: str | Decimal = "0") -> None:
        with self.lock:
            self.balances[asset] = [Decimal(free), Decimal(locked)]

    def balance(self, asset: str) -> tuple[Decimal, Decimal]:
        free, locked = self.balances.get(asset, [Decimal(0), Decimal(0)])
        return free, locked

    def set_price(self, symbol: str, price: str | Decimal) -> None:
        """Move the market; resting limit and stop orders that the new price reaches fill."""
        with self.lock:
            self.prices[symbol] = Decimal(price)
            for order in [o for o in self.orders.values() if o["symbol"] == symbol and o["status"] in OPEN]:
                self._maybe_trigger(order)

    def seed_trades(
        self, symbol: str, count: int, *, start_ms: int = 1_700_000_000_000, spacing_ms: int = 1000
    ) -> list[dict[str, Any]]:
        """`count` historical fills in `symbol`, alternating buy and sell, `spacing_ms` apart."""
        with self.lock:
            added = []
            for i in range(count):
                price = self.prices[symbol] + Decimal(i % 7)
                added.append(
                    self._record_trade(
                        symbol=symbol, order_id=next(self.order_ids), buyer=i % 2 == 0,
                        price=price, qty=Decimal("0.01"), maker=True, at=start_ms + i * spacing_ms,
                    )
                )  # fmt: skip
            return added

    # --- order book ----------------------------------------------------------------------------

    def place(self, p: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            spec = self._spec(p)
            side, otype = _required(p, "side"), _required(p, "type")
            if otype not in ORDER_TYPES:
                raise BinanceReject(-1116, "Invalid orderType.")
            qty = _decimal(_required(p, "quantity"))
            if qty < spec.min_qty or qty % spec.step_size:
                raise BinanceReject(-1013, "Filter failure: LOT_SIZE")
            price = _decimal(p["price"]) if "price" in p else None
            stop = _decimal(p["stopPrice"]) if "stopPrice" in p else None
            limit_like = otype in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER")
            if limit_like and price is None:
                raise _missing("price")
            if price is not None and (price <= 0 or price % spec.tick_size):
                raise BinanceReject(-1013, "Filter failure: PRICE_FILTER")
            if otype not in ("LIMIT", "MARKET", "LIMIT_MAKER") and stop is None:
                raise _missing("stopPrice")
            if otype == "MARKET" and "timeInForce" in p:
                raise BinanceReject(-1106, "Parameter 'timeInForce' sent when not required.")
            client_id = p.get("newClientOrderId") or f"srv-{next(self.order_ids)}"
            if any(o["clientOrderId"] == client_id and o["status"] in OPEN for o in self.orders.values()):
                raise BinanceReject(-2010, "Duplicate order sent.")
            market_price = self.prices[p["symbol"]]
            reserve_price = price if price is not None else (stop or market_price)
            need_asset, need = (spec.quote, qty * reserve_price) if side == "BUY" else (spec.base, qty)
            if self.balance(need_asset)[0] < need:
                raise BinanceReject(-2010, "Account has insufficient balance for requested action.")
            order = {
                "symbol": p["symbol"], "orderId": next(self.order_ids), "clientOrderId": client_id,
                "price": price or Decimal(0), "origQty": qty, "executedQty": Decimal(0),
                "cummulativeQuoteQty": Decimal(0), "status": "NEW", "timeInForce": p.get("timeInForce", "GTC"),
                "type": otype, "side": side, "stopPrice": stop or Decimal(0), "time": now_ms(),
                "updateTime": now_ms(), "fills": [], "locked": (need_asset, need), "triggered": False,
            }  # fmt: skip
            self.orders[order["orderId"]] = order
            self._lock_funds(need_asset, need)
            if otype == "MARKET":
                self._fill(order, market_price, maker=False)
            elif otype == "LIMIT":
                crosses = price >= market_price if side == "BUY" else price <= market_price
                if crosses:
                    self._fill(order, market_price, maker=False)
                elif order["timeInForce"] in ("IOC", "FOK"):
                    self._close(order, "EXPIRED")
            return order

    def find(self, p: dict[str, str]) -> dict[str, Any] | None:
        self._spec(p)
        with self.lock:
            if "orderId" in p:
                order = self.orders.get(int(p["orderId"]))
            elif "origClientOrderId" in p:
                matches = [o for o in self.orders.values() if o["clientOrderId"] == p["origClientOrderId"]]
                order = matches[-1] if matches else None
            else:
                raise BinanceReject(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty!")
            return order if order and order["symbol"] == p["symbol"] else None

    def execute(self, order_id: int, qty: str | Decimal, price: str | Decimal | None = None) -> dict[str, Any]:
        """The resting order `order_id` trades `qty` as maker at `price` (its limit price by
        default): one execution, PARTIALLY_FILLED until its whole quantity has traded."""
        with self.lock:
            order = self.orders[order_id]
            assert order["status"] in OPEN, f"order {order_id} is {order['status']}"
            self._fill(order, Decimal(price) if price is not None else order["price"], maker=True, qty=Decimal(qty))
            return order["fills"][-1]

    def cancel(self, p: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            order = self.find(p)
            if order is None or order["status"] not in OPEN:
                raise BinanceReject(-2011, "Unknown order sent.")
            self._close(order, "CANCELED")
            return order

    def my_trades(self, p: dict[str, str]) -> list[dict[str, Any]]:
        self._spec(p)
        limit = min(int(p.get("limit", 500)), 1000)
        if {key for key in ("orderId", "startTime", "endTime", "fromId") if key in p} not in MY_TRADES_QUERIES:
            raise BinanceReject(-1128, "Combination of optional parameters invalid.")
        with self.lock:
            trades = list(self.trades.get(p["symbol"], []))
        if "orderId" in p:  # one order's trades, oldest first
            trades = [t for t in trades if t["orderId"] == int(p["orderId"])]
        if "endTime" in p:
            trades = [t for t in trades if t["time"] <= int(p["endTime"])]
        if "fromId" in p:
            trades = [t for t in trades if t["id"] >= int(p["fromId"])][:limit]
        elif "startTime" in p:
            trades = [t for t in trades if t["time"] >= int(p["startTime"])][:limit]
        elif "orderId" in p:
            trades = trades[:limit]
        else:  # like Binance: without fromId or startTime, the most recent trades
            trades = trades[-limit:]
        return trades

    # --- internals -----------------------------------------------------------------------------

    def _spec(self, p: dict[str, str]) -> SymbolSpec:
        spec = self.symbols.get(_required(p, "symbol"))
        if spec is None:
            raise BinanceReject(-1121, "Invalid symbol.")
        return spec

    def _lock_funds(self, asset: str, amount: Decimal) -> None:
        free, locked = self.balance(asset)
        self.balances[asset] = [free - amount, locked + amount]

    def _release(self, order: dict[str, Any]) -> None:
        asset, amount = order["locked"]
        free, locked = self.balance(asset)
        self.balances[asset] = [free + amount, locked - amount]
        order["locked"] = (asset, Decimal(0))

    def _close(self, order: dict[str, Any], status: str) -> None:
        self._release(order)
        order["status"], order["updateTime"] = status, now_ms()

    def _fill(self, order: dict[str, Any], price: Decimal, *, maker: bool, qty: Decimal | None = None) -> None:
        """Trade `qty` of the order (all that is left by default), releasing its share of the funds."""
        spec = self.symbols[order["symbol"]]
        left = order["origQty"] - order["executedQty"]
        qty = left if qty is None else qty
        assert 0 < qty <= left, f"cannot trade {qty} of an order with {left} left"
        asset, reserved = order["locked"]
        share = reserved if qty == left else reserved * qty / left
        free, locked = self.balance(asset)
        self.balances[asset] = [free + share, locked - share]
        order["locked"] = (asset, reserved - share)
        buyer = order["side"] == "BUY"
        pay_asset, pay, get_asset, get = (
            (spec.quote, qty * price, spec.base, qty) if buyer else (spec.base, qty, spec.quote, qty * price)
        )
        fee = get * self.fee_rate
        self.balances[pay_asset] = [self.balance(pay_asset)[0] - pay, self.balance(pay_asset)[1]]
        self.balances[get_asset] = [self.balance(get_asset)[0] + get - fee, self.balance(get_asset)[1]]
        trade = self._record_trade(
            symbol=order["symbol"], order_id=order["orderId"], buyer=buyer, price=price, qty=qty,
            maker=maker, at=now_ms(), fee=fee, fee_asset=get_asset,
        )  # fmt: skip
        order["fills"].append(trade)
        executed = order["executedQty"] + qty
        order.update(
            executedQty=executed,
            cummulativeQuoteQty=order["cummulativeQuoteQty"] + qty * price,
            status="FILLED" if executed == order["origQty"] else "PARTIALLY_FILLED",
            updateTime=now_ms(),
        )

    def _maybe_trigger(self, order: dict[str, Any]) -> None:
        market, buyer, otype = self.prices[order["symbol"]], order["side"] == "BUY", order["type"]
        if otype in ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT") and not order["triggered"]:
            stop = order["stopPrice"]
            rises = otype.startswith("STOP_LOSS") == buyer  # a buy stop-loss fires on the way up
            if not (market >= stop if rises else market <= stop):
                return
            order["triggered"] = True
            if not otype.endswith("_LIMIT"):
                self._fill(order, market, maker=False)
                return
        limit = order["price"]
        if otype != "MARKET" and limit and (market <= limit if buyer else market >= limit):
            self._fill(order, limit, maker=True)

    def _record_trade(self, *, symbol, order_id, buyer, price, qty, maker, at, fee=None, fee_asset=None):
        spec = self.symbols[symbol]
        trades = self.trades.setdefault(symbol, [])
        trade = {
            "symbol": symbol, "id": len(trades) + 1, "orderId": order_id, "orderListId": -1,
            "price": price, "qty": qty, "quoteQty": price * qty, "commission": fee or Decimal(0),
            "commissionAsset": fee_asset or (spec.base if buyer else spec.quote), "time": at,
            "isBuyer": buyer, "isMaker": maker, "isBestMatch": True,
        }  # fmt: skip
        trades.append(trade)
        return trade


def _missing(name: str) -> BinanceReject:
    return BinanceReject(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def _required(p: dict[str, str], name: str) -> str:
    if not p.get(name):
        raise _missing(name)
    return p[name]


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError as exc:
        raise BinanceReject(-1100, "Illegal characters found in a parameter.") from exc


def render(value: Any) -> Any:
    """Binance's JSON: Decimals as eight-decimal strings, internal keys dropped."""
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items() if k not in ("locked", "triggered")}
    if isinstance(value, list):
        return [render(v) for v in value]
    return value
