"""Public market data from one ccxt.pro exchange, published as `ticker.*`, `trade.*`, `depth.*`.

`settings.MARKET_FEED_EXCHANGE` names the exchange (empty: off). Every `refresh_seconds` the loop
asks which of that exchange's market streams someone watches (`watched_streams`), leaving out
the paper exchange's symbols, which keep the paper feed. It follows each watched stream with
`watch_ticker`, `watch_trades` or `watch_order_book`, drops the ones nobody watches any more,
and publishes events shaped like the paper feed's (`apps.exchanges.paper.feed`).

Numbers. The exchange object parses numbers as Decimals from the exchange's own strings (its
`number` is Decimal, and the order book's deltas, which ccxt reads with `safe_float`, are read
the same way), so a price is never a float on its way to a subscriber.

Failures. A stream whose watch fails (connection lost, unreadable message) logs the error type
and tries again after a backoff, doubling to a minute; the other streams carry on. The exchange
object holds no credentials: these are public streams.

Addresses. `settings.EXCHANGE_BASE_URLS["<id>"]` moves REST URLs as for the REST adapter, and the
websocket URLs to the same host (`ws://`), keeping their paths; `EXCHANGE_BASE_URLS["<id>:ws"]`
names a different websocket host (how tests point both at local servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from decimal import Decimal
from typing import Any

import ccxt.pro
from asgiref.sync import sync_to_async
from django.conf import settings

from apps.core.fanout import watched_streams
from apps.core.streams import publish
from apps.exchanges.venues.ccxt_venue.catalogue import UnsupportedExchange
from apps.exchanges.venues.ccxt_venue.markets import dec, index_markets
from apps.exchanges.venues.ccxt_venue.venue import _rebase

logger = logging.getLogger(__name__)

KINDS = ("ticker", "trade", "depth")
REFRESH_SECONDS = 3.0
DEPTH_LEVELS = 5
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
# Tickers and books change many times a second; subscribers get at most one event per second.
MIN_INTERVAL = {"ticker": 1.0, "trade": 0.0, "depth": 1.0}
UNWATCH = {"ticker": "un_watch_ticker", "trade": "un_watch_trades", "depth": "un_watch_order_book"}


def tidy(value: Any) -> Decimal | None:
    """A Decimal as the REST API writes it (`50000`, `0.5`, never `5E+4`); None if unreadable."""
    number = dec(value)
    if number is None:
        return None
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal


def _rebase_ws(urls: Any, base: str) -> Any:
    """Every ws(s) URL in ccxt's `urls["api"]["ws"]` moved to `base`, keeping its path."""
    if isinstance(urls, dict):
        return {key: _rebase_ws(value, base) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith(("ws://", "wss://")):
        return re.sub(r"^wss?://[^/]+", base.rstrip("/"), urls)
    return urls


def _safe_decimal(dictionary: Any, key: Any, default_value: Any = None) -> Any:
    try:
        return dec(dictionary[key], default_value)
    except (KeyError, IndexError, TypeError):
        return default_value


def build_exchange(exchange_id: str) -> Any:
    """A credential-less ccxt.pro exchange reading Decimals, at the configured addresses."""
    base_class = getattr(ccxt.pro, exchange_id, None) if exchange_id in ccxt.pro.exchanges else None
    if base_class is None:
        raise UnsupportedExchange(f"ccxt.pro has no streaming client for '{exchange_id}'.")
    # Order-book deltas are read with `safe_float`; reading them as Decimals keeps one number
    # type per book (the snapshot's levels are Decimals too), so levels compare and merge exactly.
    decimal_class = type(base_class.__name__, (base_class,), {"safe_float": staticmethod(_safe_decimal)})
    rest_base = settings.EXCHANGE_BASE_URLS.get(exchange_id)
    options: dict[str, Any] = {"fetchCurrencies": False, "fetchMargins": False}
    if rest_base:
        options["fetchMarkets"] = ["spot"]  # a stand-in server speaks the spot dialect only
    exchange = decimal_class(
        {"enableRateLimit": True, "timeout": int(settings.EXCHANGE_TIMEOUT_SECONDS * 1000), "options": options}
    )
    exchange.number = Decimal
    # Binance's watch_ticker goes through watch_tickers, whose default channel (miniTicker) has no
    # best bid and ask: use the one-symbol ticker's channel (the full 24h ticker) there too.
    ticker_channel = (exchange.options.get("watchTicker") or {}).get("name")
    if ticker_channel and isinstance(exchange.options.get("watchTickers"), dict):
        exchange.options["watchTickers"]["name"] = ticker_channel
    ws_base = settings.EXCHANGE_BASE_URLS.get(f"{exchange_id}:ws") or (
        re.sub(r"^http", "ws", rest_base) if rest_base else None
    )
    if rest_base:
        exchange.urls["api"] = _rebase(exchange.urls["api"], rest_base)
    if ws_base and isinstance(exchange.urls["api"].get("ws"), dict | str):
        exchange.urls["api"]["ws"] = _rebase_ws(exchange.urls["api"]["ws"], ws_base)
    return exchange


def ticker_event(symbol: str, ticker: dict[str, Any]) -> dict[str, Any]:
    stamp = ticker.get("timestamp") or int(time.time() * 1000)
    last = ticker.get("last") if ticker.get("last") is not None else ticker.get("close")
    if tidy(last) is None:
        raise ValueError("a ticker without a last price")
    return {
        "e": "ticker",
        "E": int(stamp),
        "s": symbol,
        "c": tidy(last),
        "b": tidy(ticker.get("bid")),
        "a": tidy(ticker.get("ask")),
    }


def trade_event(symbol: str, trade: dict[str, Any]) -> dict[str, Any]:
    price, amount = tidy(trade.get("price")), tidy(trade.get("amount"))
    if price is None or amount is None:
        raise ValueError("a trade without price or amount")
    stamp = int(trade.get("timestamp") or time.time() * 1000)
    # Binance's `m` (the buyer made the market) is a trade whose taker sold.
    return {
        "e": "trade",
        "E": stamp,
        "s": symbol,
        "p": price,
        "q": amount,
        "T": stamp,
        "m": trade.get("side") == "sell",
    }


def depth_event(symbol: str, book: dict[str, Any], *, levels: int = DEPTH_LEVELS) -> dict[str, Any]:
    def side(rows: Any) -> list[list[Decimal | None]]:
        return [[tidy(row[0]), tidy(row[1])] for row in list(rows or [])[:levels]]

    stamp = book.get("timestamp") or int(time.time() * 1000)
    return {"e": "depthUpdate", "E": int(stamp), "s": symbol, "b": side(book.get("bids")), "a": side(book.get("asks"))}


def _send(stream: str, data: dict[str, Any]) -> None:
    try:
        publish(stream, data)
    except Exception:
        # A channel layer hiccup loses one event, never the stream.
        logger.warning("could not publish %s", stream, exc_info=True)


class MarketStreamer:
    """Follows the watched streams of one exchange's non-paper markets until stopped."""

    def __init__(self, exchange_id: str, *, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.exchange_id = exchange_id
        self.refresh_seconds = refresh_seconds
        self.exchange = build_exchange(exchange_id)
        self.ccxt_symbols: dict[str, str] = {}  # platform symbol -> ccxt symbol
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._last_sent: dict[str, float] = {}

    async def run(self, *, stop: asyncio.Event | None = None, max_seconds: float | None = None) -> None:
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = None if max_seconds is None else loop.time() + max_seconds
        backoff = BACKOFF_FIRST
        try:
            while not stop.is_set():
                wait = self.refresh_seconds
                try:
                    if not self.ccxt_symbols:
                        await self._load_markets()
                    await self._refresh()
                    backoff = BACKOFF_FIRST
                except Exception as exc:
                    logger.warning(
                        "%s market feed: %s; retrying in %.0fs", self.exchange_id, type(exc).__name__, backoff
                    )
                    wait, backoff = backoff, min(backoff * 2, BACKOFF_MAX)
                if deadline is not None:
                    wait = min(wait, deadline - loop.time())
                    if wait <= 0:
                        break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
        finally:
            await self.close()

    async def close(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        with contextlib.suppress(Exception):
            await self.exchange.close()

    async def _load_markets(self) -> None:
        markets = await self.exchange.load_markets()
        by_platform, _ = index_markets(markets)
        paper = set(settings.PAPER_MARKETS)
        self.ccxt_symbols = {name: m["symbol"] for name, m in by_platform.items() if name not in paper}
        logger.info("%s market feed: %d markets to stream on demand", self.exchange_id, len(self.ccxt_symbols))

    async def _refresh(self) -> None:
        candidates = [f"{kind}.{symbol}" for symbol in self.ccxt_symbols for kind in KINDS]
        wanted = await sync_to_async(watched_streams)(candidates)
        for stream in sorted(wanted - set(self.tasks)):
            kind, symbol = stream.split(".", 1)
            self.tasks[stream] = asyncio.create_task(self._follow(kind, symbol), name=f"feed:{stream}")
        for stream in sorted(set(self.tasks) - wanted):
            task = self.tasks.pop(stream)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await self._unwatch(stream)

    async def _follow(self, kind: str, symbol: str) -> None:
        stream, backoff = f"{kind}.{symbol}", BACKOFF_FIRST
        while True:
            try:
                events = await self._next_events(kind, symbol)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # One bad message or a dropped connection: this stream waits and watches again.
                logger.warning("%s %s: %s; retrying in %.0fs", self.exchange_id, stream, type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = BACKOFF_FIRST
            now = time.monotonic()
            if events and now - self._last_sent.get(stream, 0.0) >= MIN_INTERVAL[kind]:
                self._last_sent[stream] = now
                for event in events:
                    await sync_to_async(_send, thread_sensitive=False)(stream, event)

    async def _next_events(self, kind: str, symbol: str) -> list[dict[str, Any]]:
        ccxt_symbol = self.ccxt_symbols[symbol]
        if kind == "ticker":
            return [ticker_event(symbol, await self.exchange.watch_ticker(ccxt_symbol))]
        if kind == "trade":
            return [trade_event(symbol, trade) for trade in await self.exchange.watch_trades(ccxt_symbol)]
        return [depth_event(symbol, await self.exchange.watch_order_book(ccxt_symbol))]

    async def _unwatch(self, stream: str) -> None:
        kind, symbol = stream.split(".", 1)
        self._last_sent.pop(stream, None)
        try:
            await asyncio.wait_for(getattr(self.exchange, UNWATCH[kind])(self.ccxt_symbols[symbol]), timeout=5)
        except Exception as exc:
            # Not every exchange can unsubscribe; the connection then just carries unread data.
            logger.info("%s: could not unsubscribe %s (%s)", self.exchange_id, stream, type(exc).__name__)


async def stream_markets(
    exchange_id: str,
    *,
    stop: asyncio.Event | None = None,
    max_seconds: float | None = None,
    refresh_seconds: float = REFRESH_SECONDS,
) -> None:
    """Publish the watched non-paper markets of `exchange_id` until `stop` is set or `max_seconds` pass."""
    await MarketStreamer(exchange_id, refresh_seconds=refresh_seconds).run(stop=stop, max_seconds=max_seconds)
