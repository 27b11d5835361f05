"""The account's trade history through ccxt: paged fills for the history import, one order's
executions for order syncing. A mixin of `CcxtVenue`, whose `_call`, `_market`, `_exchange` and
`_platform` it uses."""

from __future__ import annotations

import re
from typing import Any

import ccxt

from apps.core.errors import ApiError
from apps.exchanges.venues.base import TradePage, VenueTrade
from apps.exchanges.venues.ccxt_venue.shapes import venue_trade

# Venues whose trade history pages by trade id (`fromId`); the others page by time.
PAGES_BY_TRADE_ID = ("binance", "binanceus", "binanceusdm", "binancecoinm")
# How far back `fetch_order_trades` looks on a venue that cannot list one order's trades.
ORDER_TRADE_PAGES = 10
ORDER_TRADE_PAGE_SIZE = 500


class TradeHistory:
    exchange_name: str
    _exchange: Any

    def fetch_my_trades(self, *, symbol: str, cursor: str | None, limit: int) -> TradePage:
        """One page of the account's fills in `symbol`, oldest first; `next_cursor` is None once
        the history is exhausted.

        Binance pages by trade id: the cursor is the next id to ask for (`fromId`), the page is at
        most 1000 trades, and a short page is the last. Other venues page by time, best effort:
        the cursor is `t<ms>` and, after a colon, the ids already returned at that millisecond;
        the first page is whatever the venue returns without `since` (some only keep recent
        trades), and the history ends with a page that brings nothing new."""
        market = self._market(symbol)
        if self.exchange_name in PAGES_BY_TRADE_ID:
            return self._trades_by_id(market, cursor, min(limit, 1000))
        return self._trades_by_time(market, cursor, limit)

    def _trades_by_id(self, market: dict[str, Any], cursor: str | None, limit: int) -> TradePage:
        if cursor is not None and not cursor.isdigit():
            raise ApiError(status=400, code="INVALID_CURSOR", message=f"'{cursor}' is not a trade id cursor.")
        # Without fromId Binance answers with the most recent trades, so the first page asks for id 0.
        params = {"fromId": cursor or "0"}
        raw = self._call("fetch trades", self._exchange.fetch_my_trades, market["symbol"], None, limit, params)
        raw = sorted(raw, key=lambda t: int(t["id"]))
        next_cursor = str(int(raw[-1]["id"]) + 1) if raw and len(raw) >= limit else None
        return TradePage(trades=[venue_trade(t, platform=self._platform) for t in raw], next_cursor=next_cursor)

    def _trades_by_time(self, market: dict[str, Any], cursor: str | None, limit: int) -> TradePage:
        match = re.fullmatch(r"t(\d+)(?::(.*))?", cursor or "t0")
        if match is None:
            raise ApiError(status=400, code="INVALID_CURSOR", message=f"'{cursor}' is not a trade cursor.")
        since, seen = int(match.group(1)), set(filter(None, (match.group(2) or "").split(",")))
        raw = self._call("fetch trades", self._exchange.fetch_my_trades, market["symbol"], since or None, limit)
        raw = sorted(raw, key=lambda t: (t.get("timestamp") or 0, str(t["id"])))
        fresh = [t for t in raw if not (t.get("timestamp") == since and str(t["id"]) in seen)]
        if fresh:
            last = fresh[-1].get("timestamp") or 0
            at_last = {str(t["id"]) for t in raw if t.get("timestamp") == last} | (seen if last == since else set())
            next_cursor: str | None = f"t{last}:{','.join(sorted(at_last))}"
        elif len(raw) >= limit:  # a full page inside one millisecond, all seen: step past it
            next_cursor = f"t{since + 1}"
        else:
            next_cursor = None
        return TradePage(trades=[venue_trade(t, platform=self._platform) for t in fresh], next_cursor=next_cursor)

    def fetch_order_trades(self, *, symbol: str, venue_order_id: str) -> list[VenueTrade]:
        """The executions of one order, oldest first, through ccxt's `fetch_order_trades`.

        A venue without that call (or Binance outside spot markets, where ccxt refuses it) is read
        from its recent history instead: the latest page of the account's trades in `symbol` and up
        to `ORDER_TRADE_PAGES` after it, filtered by order id, so older executions are missed."""
        market = self._market(symbol)
        exchange = self._exchange

        def by_order() -> list[dict[str, Any]] | None:
            try:
                return exchange.fetch_order_trades(venue_order_id, market["symbol"])
            except ccxt.NotSupported:
                return None

        raw = self._call("fetch the order's trades", by_order) if exchange.has.get("fetchOrderTrades") else None
        if raw is not None:
            raw = sorted(raw, key=lambda t: t.get("timestamp") or 0)
            return [venue_trade(t, platform=self._platform) for t in raw]
        # Paged by time even on Binance: its id paging starts at the oldest trade, not the latest.
        found: list[VenueTrade] = []
        cursor: str | None = None
        for _ in range(ORDER_TRADE_PAGES):
            page = self._trades_by_time(market, cursor, ORDER_TRADE_PAGE_SIZE)
            found += [t for t in page.trades if t.order_id == venue_order_id]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return found
