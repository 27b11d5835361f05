"""The adapter itself: one ccxt exchange object, one account's credentials, the protocol's methods."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence
from decimal import Decimal, localcontext
from typing import Any

import ccxt
from django.conf import settings

from apps.exchanges.venues.base import (
    AccountState,
    Balance,
    Candle,
    InvalidOrder,
    Market,
    OrderNotFound,
    OrderRequest,
    Position,
    UnknownSymbol,
    UnsupportedTimeframe,
    VenueError,
    VenueOrder,
    VenueUnavailable,
    check_candle_request,
)
from apps.exchanges.venues.ccxt_venue.catalogue import CREDENTIAL_FIELDS, MissingCredentials, describe_exchange
from apps.exchanges.venues.ccxt_venue.errors import translate
from apps.exchanges.venues.ccxt_venue.history import TradeHistory
from apps.exchanges.venues.ccxt_venue.markets import (
    MarketBook,
    cached_book,
    dec,
    from_ccxt_symbol,
    plain,
    remember_book,
)
from apps.exchanges.venues.ccxt_venue.shapes import candles_from_ohlcv, venue_order

logger = logging.getLogger(__name__)

# Quote assets that count as "traded against" in `traded_symbols` even when the balance is zero.
COMMON_QUOTES = frozenset({"USDT", "USDC", "FDUSD", "BUSD", "USD", "EUR", "BTC", "ETH"})


def _rebase(urls: Any, base: str) -> Any:
    """Every http(s) URL in ccxt's `urls["api"]` moved to `base`, keeping its path."""
    if isinstance(urls, dict):
        return {key: _rebase(value, base) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        return re.sub(r"^https?://[^/]+", base.rstrip("/"), urls)
    return urls


class CcxtVenue(TradeHistory):
    """One ccxt exchange, holding one account's credentials for the lifetime of the instance."""

    transactional = False

    def __init__(self, exchange_name: str, credentials: dict[str, str]) -> None:
        self.info = describe_exchange(exchange_name)
        self.exchange_name = exchange_name
        self._secrets = [v for v in credentials.values() if isinstance(v, str) and len(v) >= 4]
        base_url = settings.EXCHANGE_BASE_URLS.get(exchange_name)
        if exchange_name == "hyperliquid" and not base_url:
            base_url = settings.HYPERLIQUID_API_URL
        # Markets are public and shared between accounts: load them without private calls.
        options: dict[str, Any] = {
            "fetchCurrencies": False,
            "fetchMargins": False,
            "warnOnFetchOpenOrdersWithoutSymbol": False,
        }
        if exchange_name in settings.EXCHANGE_BASE_URLS:
            options["fetchMarkets"] = ["spot"]  # a stand-in server speaks the spot dialect only
        config: dict[str, Any] = {
            "enableRateLimit": True,
            "timeout": int(settings.EXCHANGE_TIMEOUT_SECONDS * 1000),
            "options": options,
        }
        for ccxt_name, field_name in CREDENTIAL_FIELDS.items():
            if credentials.get(field_name):
                config[ccxt_name] = credentials[field_name]
        self._exchange = getattr(ccxt, exchange_name)(config)
        self._exchange.number = str
        if base_url:
            self._exchange.urls["api"] = _rebase(self._exchange.urls["api"], base_url)
        self._book_key = (exchange_name, base_url or "")
        self._book: MarketBook | None = None
        if not self._exchange.check_required_credentials(False):
            missing = [
                CREDENTIAL_FIELDS.get(key, key)
                for key, needed in self._exchange.requiredCredentials.items()
                if needed and not getattr(self._exchange, key, None)
            ]
            raise MissingCredentials(f"{self.info.name} needs these credentials: {', '.join(missing)}.")

    # --- plumbing --------------------------------------------------------------------------

    def _call(self, action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            # ccxt's precision helpers change the thread's decimal context; keep that to this call.
            with localcontext():
                return fn(*args, **kwargs)
        except ccxt.BaseError as exc:
            raise translate(
                exc, name=self.info.name, exchange_id=self._exchange.id, secrets=self._secrets, action=action
            ) from None
        except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
            logger.warning("%s: unreadable answer while trying to %s (%s)", self.exchange_name, action, type(exc))
            raise VenueUnavailable(f"{self.info.name} gave an answer the platform could not read.") from None

    def _markets(self) -> MarketBook:
        if self._book is None:
            book = cached_book(self._book_key)
            if book is not None:
                self._exchange.set_markets_from_exchange(book.snapshot)
            else:
                self._call("load its markets", self._exchange.load_markets)
                book = remember_book(self._book_key, self._exchange)
            self._book = book
        return self._book

    def _market(self, symbol: str) -> dict[str, Any]:
        market = self._markets().by_platform.get(symbol)
        if market is None:
            raise UnknownSymbol(f"{self.info.name} does not list {symbol}.")
        return market

    def _platform(self, ccxt_symbol: str | None) -> str:
        return self._markets().platform_of.get(ccxt_symbol or "") or from_ccxt_symbol(ccxt_symbol or "")

    def _exact(self, what: str, value: Decimal, to_precision: Any, market: dict[str, Any]) -> str:
        """The venue's text for `value`, refusing a value the market's step would change."""
        text = self._call(f"format the {what}", to_precision, market["symbol"], plain(value))
        if dec(text) != value:
            raise InvalidOrder(
                f"The {what} {plain(value)} does not fit {self.info.name}'s step for "
                f"{self._platform(market['symbol'])} (nearest allowed: {text})."
            )
        return text

    def _venue_order(self, raw: dict[str, Any]) -> VenueOrder:
        return venue_order(raw, platform=self._platform)

    # --- the protocol ----------------------------------------------------------------------

    def fetch_balance(self) -> list[Balance]:
        self._markets()
        raw = self._call("fetch the balance", self._exchange.fetch_balance)
        balances = []
        for asset, total in (raw.get("total") or {}).items():
            free = dec(raw.get("free", {}).get(asset), Decimal(0))
            used = dec(raw.get("used", {}).get(asset), Decimal(0))
            total = dec(total, free + used)
            if total or free or used:
                balances.append(Balance(asset=asset, free=free, used=used, total=total))
        return sorted(balances, key=lambda b: b.asset)

    def fetch_positions(self) -> list[Position]:
        book = self._markets()
        has_contracts = any(m.get("contract") for m in book.by_platform.values())
        if not has_contracts or not self._exchange.has.get("fetchPositions"):
            return []
        positions = []
        for raw in self._call("fetch positions", self._exchange.fetch_positions):
            contracts = dec(raw.get("contracts"), Decimal(0))
            if not contracts:
                continue
            leverage = dec(raw.get("leverage"))
            positions.append(
                Position(
                    symbol=self._platform(raw.get("symbol")),
                    side=raw.get("side") or ("long" if contracts > 0 else "short"),
                    quantity=abs(contracts) * dec(raw.get("contractSize"), Decimal(1)),
                    entry_price=dec(raw.get("entryPrice"), Decimal(0)),
                    mark_price=dec(raw.get("markPrice")),
                    unrealized_pnl=dec(raw.get("unrealizedPnl"), Decimal(0)),
                    leverage=int(leverage) if leverage else None,
                )
            )
        return positions

    def fetch_markets(self) -> list[Market]:
        tick_size = self._exchange.precisionMode == ccxt.TICK_SIZE

        def step(value: Any) -> Decimal | None:
            if value is None or self._exchange.precisionMode == ccxt.SIGNIFICANT_DIGITS:
                return None
            return dec(value) if tick_size else Decimal(1).scaleb(-int(dec(value)))

        return [
            Market(
                symbol=name,
                base=m["base"],
                quote=m["quote"],
                type=m["type"],
                price_step=step(m["precision"].get("price")),
                quantity_step=step(m["precision"].get("amount")),
                min_quantity=dec(((m.get("limits") or {}).get("amount") or {}).get("min")),
            )
            for name, m in sorted(self._markets().by_platform.items())
        ]

    def fetch_price(self, symbol: str) -> Decimal:
        market = self._market(symbol)
        ticker = self._call(f"fetch the {symbol} price", self._exchange.fetch_ticker, market["symbol"])
        price = dec(ticker.get("last")) or dec(ticker.get("close"))
        if not price:
            raise VenueUnavailable(f"{self.info.name} has no last price for {symbol}.")
        return price

    def _prices(self, markets: list[dict[str, Any]]) -> dict[str, Decimal]:
        symbols = [m["symbol"] for m in markets]
        # One tickers call weighs as much as dozens of single ones (40 against 1 on Binance).
        if len(symbols) > 5 and self._exchange.has.get("fetchTickers"):
            tickers = self._call("fetch prices", self._exchange.fetch_tickers, symbols)
        else:
            tickers = {s: self._call("fetch a price", self._exchange.fetch_ticker, s) for s in symbols}
        return {s: dec(t.get("last")) or dec(t.get("close")) or Decimal(0) for s, t in tickers.items()}

    def account_state(self, *, quote: str) -> AccountState:
        """Equity in `quote`: its total balance, plus every other asset that has a spot
        `ASSET/quote` market valued at that market's last price, plus the unrealised P&L of open
        positions. Assets without such a market are left out. On venues whose quote balance
        already includes unrealised P&L (unified margin accounts) this counts it twice; the spot
        venues the platform starts with do not."""
        book = self._markets()
        balances = self.fetch_balance()
        positions = self.fetch_positions()
        equity = sum((b.total for b in balances if b.asset == quote), Decimal(0))
        priced = {
            b.asset: (b.total, market)
            for b in balances
            if b.asset != quote and (market := book.by_platform.get(f"{b.asset}_{quote}")) and market["spot"]
        }
        prices = self._prices([market for _, market in priced.values()])
        equity += sum((total * prices.get(m["symbol"], Decimal(0)) for total, m in priced.values()), Decimal(0))
        equity += sum((p.unrealized_pnl for p in positions), Decimal(0))
        return AccountState(equity=equity, positions=positions)

    def place_order(self, request: OrderRequest) -> VenueOrder:
        market = self._market(request.symbol)
        exchange = self._exchange
        amount = self._exact("quantity", request.quantity, exchange.amount_to_precision, market)
        limit = request.order_type in ("limit", "stop_limit")
        if limit and request.price is None:
            raise InvalidOrder(f"A {request.order_type} order needs a price.")
        if request.order_type in ("stop", "stop_limit") and request.stop_price is None:
            raise InvalidOrder(f"A {request.order_type} order needs a stop price.")
        price = self._exact("price", request.price, exchange.price_to_precision, market) if limit else None
        params: dict[str, Any] = {"clientOrderId": request.client_order_id}
        if limit:
            params["timeInForce"] = request.time_in_force
        if request.stop_price is not None and request.order_type in ("stop", "stop_limit"):
            params["triggerPrice"] = self._exact("stop price", request.stop_price, exchange.price_to_precision, market)
        if market.get("contract"):
            if request.reduce_only:
                params["reduceOnly"] = True
            if request.leverage and exchange.has.get("setLeverage"):
                self._call("set the leverage", exchange.set_leverage, request.leverage, market["symbol"])
        ccxt_type = "limit" if limit else "market"
        raw = self._call(
            "place the order", exchange.create_order, market["symbol"], ccxt_type, request.side, amount, price, params
        )
        return venue_order(raw, platform=self._platform, request=request)

    def place_orders(self, requests: Sequence[OrderRequest]) -> list[VenueOrder | VenueError | None]:
        # One call each: batch endpoints differ per exchange, cap the count and answer partial
        # failures each in their own shape.
        answers: list[VenueOrder | VenueError | None] = [None] * len(requests)
        for index, request in enumerate(requests):
            try:
                answers[index] = placed = self.place_order(request)
            except VenueError as exc:
                answers[index] = exc
                continue
            if placed.filled_quantity > 0:
                break
        return answers

    def cancel_order(self, *, symbol: str, venue_order_id: str) -> VenueOrder:
        market = self._market(symbol)
        raw = self._call("cancel the order", self._exchange.cancel_order, venue_order_id, market["symbol"])
        if not raw.get("status"):  # some venues answer a cancel with the id alone
            return self.fetch_order(symbol=symbol, venue_order_id=venue_order_id)
        return self._venue_order(raw)

    def fetch_order(
        self, *, symbol: str, venue_order_id: str | None = None, client_order_id: str | None = None
    ) -> VenueOrder:
        market = self._market(symbol)
        exchange = self._exchange
        if venue_order_id:
            raw = self._call("fetch the order", exchange.fetch_order, venue_order_id, market["symbol"])
            return self._venue_order(raw)
        if not client_order_id:
            raise InvalidOrder("Give the venue order id or the client order id.")
        try:
            params = {"clientOrderId": client_order_id}
            raw = self._call("fetch the order", exchange.fetch_order, None, market["symbol"], params)
            return self._venue_order(raw)
        except OrderNotFound:
            raise
        except InvalidOrder:
            pass  # this venue cannot look orders up by client id: look through its lists instead
        lists = (("fetchOpenOrders", exchange.fetch_open_orders), ("fetchClosedOrders", exchange.fetch_closed_orders))
        for capability, fetch in lists:
            if exchange.has.get(capability):
                for raw in self._call("look for the order", fetch, market["symbol"]):
                    if raw.get("clientOrderId") == client_order_id:
                        return self._venue_order(raw)
        raise OrderNotFound(f"{self.info.name} has no order {client_order_id} on {symbol}.")

    def fetch_open_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        self._markets()
        ccxt_symbol = self._market(symbol)["symbol"] if symbol else None
        raws = self._call("fetch open orders", self._exchange.fetch_open_orders, ccxt_symbol)
        return [self._venue_order(raw) for raw in raws]

    def traded_symbols(self) -> list[str]:
        """Symbols this account may have traded (no venue lists them; Binance has no such call):
        spot markets whose base asset the account holds, quoted in an asset it holds or in a
        common quote asset (USDT, USDC, BTC, ...), plus markets with open orders or positions.
        An asset sold down to zero is missed; the history import then needs the symbol by name."""
        book = self._markets()
        held = {b.asset for b in self.fetch_balance()}
        symbols = {
            name
            for name, m in book.by_platform.items()
            if m["spot"] and m["base"] in held and (m["quote"] in held or m["quote"] in COMMON_QUOTES)
        }
        symbols |= {p.symbol for p in self.fetch_positions()}
        with contextlib.suppress(InvalidOrder):  # a venue that wants a symbol to list open orders
            symbols |= {o.symbol for o in self.fetch_open_orders()}
        return sorted(symbols)

    def candles(self, *, symbol: str, timeframe: str = "1m", limit: int = 120) -> list[Candle]:
        """The venue's candles through ccxt's `fetch_ohlcv` (public, no key needed), oldest first;
        empty on a venue that serves none. Rows with a missing price are left out."""
        limit = check_candle_request(timeframe, limit)
        market = self._market(symbol)
        exchange = self._exchange
        if not exchange.has.get("fetchOHLCV"):
            return []
        if exchange.timeframes and timeframe not in exchange.timeframes:
            raise UnsupportedTimeframe(f"{self.info.name} has no {timeframe} candles.")
        rows = self._call(f"fetch {symbol} candles", exchange.fetch_ohlcv, market["symbol"], timeframe, None, limit)
        return candles_from_ohlcv(rows)[-limit:]
