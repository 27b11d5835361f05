"""A local HTTP server that answers the real ccxt client in Binance's spot REST dialect.

It keeps one account (balances, orders, per-symbol trade ids like Binance's), checks signed
requests the way Binance does (`X-MBX-APIKEY` must match, `signature` must be the HMAC-SHA256 of
the query string plus the body with the secret), fills market orders and crossing limit orders
at the configured price, triggers resting orders when a test moves the price, and can be told to
answer the next requests with a server error or a rate limit. `GET /api/v3/myTrades` takes
Binance's parameter combinations (one order's trades with `orderId`; -1128 for the others), and
`state.execute(order_id, qty)` fills a resting order in parts. Amounts are Decimals throughout,
rendered with Binance's eight decimals.

    server = BinanceServer().start()
    server.state.set_balance("USDT", "1000")
    server.state.seed_trades("BTCUSDT", 1200)
    server.klines["BTCUSDT"] = [(open_ms, "50000", "50100", "49900", "50050", "3")]  # candles
    server.fail_next(503)          # the next request answers 503
    server.stop()
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.exchanges.binance_book import (
    OPEN,
    ORDER_TYPES,
    BinanceReject,
    BinanceState,
    _required,
    fmt,
    now_ms,
    render,
)

SIGNED_PREFIXES = ("/sapi/",)
INTERVAL_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}
SIGNED_PATHS = ("/api/v3/account", "/api/v3/order", "/api/v3/openOrders", "/api/v3/myTrades", "/api/v3/allOrders")


@dataclass
class Fault:
    status: int
    body: str
    times: int
    path: str | None = None


def order_json(order: dict[str, Any], *, with_fills: bool = False) -> dict[str, Any]:
    body = {k: v for k, v in order.items() if k != "fills"}
    body.update(orderListId=-1, icebergQty=Decimal(0), isWorking=order["status"] in OPEN, workingTime=order["time"])
    if with_fills:
        body["transactTime"] = order["updateTime"]
        body["fills"] = [
            {"price": t["price"], "qty": t["qty"], "commission": t["commission"],
             "commissionAsset": t["commissionAsset"], "tradeId": t["id"]}
            for t in order["fills"]
        ]  # fmt: skip
    return render(body)


def ticker_json(symbol: str, price: Decimal) -> dict[str, Any]:
    return render(
        {"symbol": symbol, "lastPrice": price, "openPrice": price, "highPrice": price, "lowPrice": price,
         "bidPrice": price, "askPrice": price, "volume": Decimal(1), "quoteVolume": price,
         "priceChange": Decimal(0), "priceChangePercent": "0.000", "openTime": now_ms() - 86_400_000,
         "closeTime": now_ms(), "count": 1}
    )  # fmt: skip


class BinanceServer:
    """The server and its state: `.url`, `.api_key`, `.secret`, `.state`, `.requests` (method,
    path, params without the signature), `fail_next(...)` to inject errors, `start()`/`stop()`."""

    def __init__(self, *, api_key: str = "test-api-key-KEY1", secret: str = "test-secret") -> None:
        self.api_key, self.secret = api_key, secret
        self.state = BinanceState()
        self.state.set_balance("USDT", "100000")
        self.state.set_balance("BTC", "1")
        self.state.set_balance("ETH", "0")
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        # Candles per symbol: (open time ms, open, high, low, close, volume), oldest first. A
        # symbol without any answers flat one-minute candles at its price, up to now.
        self.klines: dict[str, list[tuple[int, str, str, str, str, str]]] = {}
        self._faults: list[Fault] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BinanceServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="binance-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open keep-alive connections: the exchange is down."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.drop_connections()
            self._thread.join(timeout=5)

    def fail_next(self, status: int, *, body: str | None = None, times: int = 1, path: str | None = None) -> None:
        """Answer the next `times` requests (to `path` only, if given) with `status` and `body`."""
        default = {429: '{"code":-1003,"msg":"Too many requests; current limit is 1200 request weight per 1 MINUTE."}'}
        with self.state.lock:
            self._faults.append(Fault(status, body or default.get(status, "Service Unavailable"), times, path))

    def take_fault(self, path: str) -> Fault | None:
        with self.state.lock:
            for fault in self._faults:
                if fault.path in (None, path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def route(self, method: str, path: str, p: dict[str, str]) -> Any:
        state = self.state
        if path == "/api/v3/ping":
            return {}
        if path == "/api/v3/time":
            return {"serverTime": now_ms()}
        if path == "/api/v3/exchangeInfo":
            return self._exchange_info()
        if path in ("/sapi/v1/margin/allPairs", "/sapi/v1/margin/isolated/allPairs"):
            return []
        if path in ("/api/v3/ticker/24hr", "/api/v3/ticker/price"):
            one = ticker_json if path.endswith("24hr") else lambda s, x: {"symbol": s, "price": fmt(x)}
            if "symbol" in p:
                state._spec(p)
                return one(p["symbol"], state.prices[p["symbol"]])
            wanted = json.loads(p["symbols"]) if "symbols" in p else list(state.prices)
            return [one(s, state.prices[s]) for s in wanted if s in state.prices]
        if path == "/api/v3/klines":
            return self._klines(p)
        if path == "/api/v3/account":
            with state.lock:
                balances = [{"asset": a, "free": fmt(f), "locked": fmt(lk)} for a, (f, lk) in state.balances.items()]
            return {"makerCommission": 10, "takerCommission": 10, "canTrade": True, "canWithdraw": True,
                    "canDeposit": True, "updateTime": now_ms(), "accountType": "SPOT", "balances": balances,
                    "permissions": ["SPOT"], "uid": 354937868}  # fmt: skip
        if path == "/api/v3/order":
            if method == "POST":
                return order_json(state.place(p), with_fills=True)
            if method == "DELETE":
                order = state.cancel(p)
                return {**order_json(order), "origClientOrderId": order["clientOrderId"], "clientOrderId": "cancel-x"}
            order = state.find(p)
            if order is None:
                raise BinanceReject(-2013, "Order does not exist.")
            return order_json(order)
        if path == "/api/v3/openOrders":
            with state.lock:
                orders = [o for o in state.orders.values() if o["status"] in OPEN]
            return [order_json(o) for o in orders if p.get("symbol") in (None, o["symbol"])]
        if path == "/api/v3/myTrades":
            return render(state.my_trades(p))
        raise BinanceReject(-1000, f"Unknown path {path}", status=404)

    def _klines(self, p: dict[str, str]) -> list[list[Any]]:
        """`GET /api/v3/klines`: the symbol's candles (the last `limit`, 500 by default)."""
        symbol, limit = _required(p, "symbol"), int(p.get("limit", "500"))
        if _required(p, "interval") not in INTERVAL_MS:
            raise BinanceReject(-1120, "Invalid interval.")
        step = INTERVAL_MS[p["interval"]]
        with self.state.lock:
            self.state._spec(p)
            price = fmt(self.state.prices[symbol])
        rows = self.klines.get(symbol)
        if rows is None:
            last = now_ms() - now_ms() % step
            rows = [(last - step * i, price, price, price, price, "0") for i in reversed(range(limit))]
        return [
            [at, fmt(Decimal(o)), fmt(Decimal(h)), fmt(Decimal(lo)), fmt(Decimal(c)), fmt(Decimal(v)),
             at + step - 1, "0", 1, "0", "0", "0"]
            for at, o, h, lo, c, v in rows[-limit:]
        ]  # fmt: skip

    def _exchange_info(self) -> dict[str, Any]:
        symbols = []
        for name, spec in self.state.symbols.items():
            symbols.append(
                {"symbol": name, "status": "TRADING", "baseAsset": spec.base, "baseAssetPrecision": 8,
                 "quoteAsset": spec.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
                 "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8, "orderTypes": list(ORDER_TYPES),
                 "icebergAllowed": True, "ocoAllowed": True, "quoteOrderQtyMarketAllowed": True,
                 "allowTrailingStop": True, "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
                 "isMarginTradingAllowed": False, "permissions": [], "permissionSets": [["SPOT"]],
                 "defaultSelfTradePreventionMode": "EXPIRE_MAKER", "allowedSelfTradePreventionModes": ["NONE"],
                 "filters": [
                     {"filterType": "PRICE_FILTER", "minPrice": fmt(spec.tick_size), "maxPrice": "1000000.00000000",
                      "tickSize": fmt(spec.tick_size)},
                     {"filterType": "LOT_SIZE", "minQty": fmt(spec.min_qty), "maxQty": "9000.00000000",
                      "stepSize": fmt(spec.step_size)},
                 ]}
            )  # fmt: skip
        return {"timezone": "UTC", "serverTime": now_ms(), "rateLimits": [], "exchangeFilters": [], "symbols": symbols}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.connections: set[socket.socket] = set()
        super().__init__(*args, **kwargs)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        self.connections.add(conn)
        return conn, addr

    def drop_connections(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server_state: BinanceServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        srv = self.server_state
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = dict(parse_qsl(split.query, keep_blank_values=True)) | dict(parse_qsl(body, keep_blank_values=True))
        params.pop("signature", None)
        srv.requests.append((method, split.path, params))
        fault = srv.take_fault(split.path)
        if fault is not None:
            return self._send(fault.status, fault.body)
        try:
            if split.path in SIGNED_PATHS or split.path.startswith(SIGNED_PREFIXES):
                self._check_signature(split.query, body)
            return self._send(200, json.dumps(srv.route(method, split.path, params)))
        except BinanceReject as exc:
            return self._send(exc.status, json.dumps({"code": exc.code, "msg": exc.msg}))

    def _check_signature(self, query: str, body: str) -> None:
        srv = self.server_state
        if self.headers.get("X-MBX-APIKEY") != srv.api_key:
            raise BinanceReject(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
        payload, signature = _strip_signature(query + body)
        expected = hmac.new(srv.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(signature, expected):
            raise BinanceReject(-1022, "Signature for this request is not valid.")
        if "timestamp=" not in payload:
            raise BinanceReject(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")

    def _send(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _strip_signature(total: str) -> tuple[str, str | None]:
    """Binance signs `query + body` without the `signature` parameter, which comes last."""
    head, sep, signature = total.rpartition("&signature=")
    return (head, signature) if sep else (total, None)
