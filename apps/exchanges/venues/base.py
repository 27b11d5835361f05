"""The one protocol every venue speaks (ccxt exchanges and the built-in paper exchange).

Symbols are the platform's `BASE_QUOTE` (`BTC_USDT`); sides `buy` / `sell`; order types
`limit`, `market`, `stop` (stop-market) and `stop_limit`; prices and quantities are Decimal.
Every failure a venue reports is a `VenueError` subclass, which is already an API error with
a status and code, so a view never turns an exchange failure into a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol, runtime_checkable

from apps.core.errors import ApiError

# `BTC_USDT` (spot, or the only market of the pair) and `BTC_USDT_PERP` (the linear perpetual
# where the venue lists both).
PERP_SUFFIX = "_PERP"
SYMBOL_PATTERN = r"^[A-Za-z0-9]{1,16}_[A-Za-z0-9]{1,16}(_PERP)?$"


def quote_asset(symbol: str) -> str:
    """The asset a symbol is priced and margined in: `USDT` for `BTC_USDT` and `BTC_USDT_PERP`."""
    return symbol.removesuffix(PERP_SUFFIX).rsplit("_", 1)[-1]


SIDES = ("buy", "sell")
ORDER_TYPES = ("limit", "market", "stop", "stop_limit")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
# Venue order states, normalised: ccxt's `open`/`closed`/`canceled`/`expired`/`rejected` map here.
ORDER_STATES = ("open", "partially_filled", "filled", "cancelled", "expired", "rejected")


@dataclass(frozen=True)
class Balance:
    asset: str
    free: Decimal
    used: Decimal
    total: Decimal


@dataclass(frozen=True)
class Position:
    symbol: str
    side: str  # "long" | "short"
    quantity: Decimal  # always positive
    entry_price: Decimal
    mark_price: Decimal | None
    unrealized_pnl: Decimal
    leverage: int | None = None


@dataclass(frozen=True)
class Market:
    symbol: str
    base: str
    quote: str
    type: str  # "spot" | "swap" | "future"
    price_step: Decimal | None = None
    quantity_step: Decimal | None = None
    min_quantity: Decimal | None = None


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    client_order_id: str
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: str = "GTC"
    reduce_only: bool = False
    leverage: int | None = None


@dataclass(frozen=True)
class VenueOrder:
    venue_order_id: str
    client_order_id: str | None
    symbol: str
    side: str
    order_type: str
    status: str  # one of ORDER_STATES
    quantity: Decimal
    filled_quantity: Decimal
    average_price: Decimal | None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    # The fills the answering call itself made, when the venue tells them with its answer (the
    # paper exchange); None when they must be asked for (`fetch_order_trades`).
    trades: tuple[VenueTrade, ...] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VenueTrade:
    trade_id: str
    order_id: str | None
    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_asset: str
    executed_at: datetime
    realized_pnl: Decimal | None = None


@dataclass(frozen=True)
class TradePage:
    """One page of `fetch_my_trades`; `next_cursor` is opaque, None once the history is done."""

    trades: list[VenueTrade] = field(default_factory=list)
    next_cursor: str | None = None


# Candle periods the pages ask for, and their length in seconds.
TIMEFRAMES = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400}
MAX_CANDLES = 500


def period_start(moment: datetime, seconds: int = 60) -> datetime:
    """The start (UTC) of the period of `seconds` that holds `moment`."""
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC)


def finest_timeframe_reaching(
    start: datetime, now: datetime, *, margin: timedelta = timedelta(0), margin_periods: int = 0
) -> str | None:
    """The finest timeframe whose last MAX_CANDLES candles (the last one holding `now`) reach back
    to `start`, less `margin` or `margin_periods` of its own periods, whichever is longer; None
    when even the coarsest does not. Venues answer the last N candles, not a window in the past."""
    for name, seconds in sorted(TIMEFRAMES.items(), key=lambda item: item[1]):
        reach = start - max(margin, timedelta(seconds=seconds * margin_periods))
        if now - period_start(reach, seconds) < timedelta(seconds=seconds * MAX_CANDLES):
            return name
    return None


@dataclass(frozen=True)
class Candle:
    """One period of a market's price: `opened_at` is the period's start (UTC)."""

    opened_at: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal | None = None


@dataclass(frozen=True)
class AccountState:
    """What the decision loop needs to know about an account right now, in the quote asset."""

    equity: Decimal  # balance plus unrealised P&L
    positions: list[Position] = field(default_factory=list)


@runtime_checkable
class Venue(Protocol):
    exchange_name: str
    # True when the venue keeps its orders in this database and its writes join the caller's
    # transaction (the paper exchange): an order and the rows recording it then commit or roll
    # back together, so they are written and sent in one transaction. False for an outside venue,
    # whose orders are committed before they are sent (`apps.trades.execution`).
    transactional: bool

    def fetch_balance(self) -> list[Balance]: ...

    def fetch_positions(self) -> list[Position]: ...

    def fetch_markets(self) -> list[Market]: ...

    def fetch_price(self, symbol: str) -> Decimal: ...

    def account_state(self, *, quote: str) -> AccountState: ...

    def place_order(self, request: OrderRequest) -> VenueOrder: ...

    def place_orders(self, requests: Sequence[OrderRequest]) -> list[VenueOrder | VenueError | None]:
        """Place the orders in turn, as `place_order` each; every answer in its request's place,
        a refusal or failure as the VenueError it raised (the others are still placed). Placing
        stops after an order that fills, in part or in full: the later ones were sized against a
        position that has moved, and are answered None (not placed)."""
        ...

    def cancel_order(self, *, symbol: str, venue_order_id: str) -> VenueOrder: ...

    def fetch_order(
        self, *, symbol: str, venue_order_id: str | None = None, client_order_id: str | None = None
    ) -> VenueOrder: ...

    def fetch_open_orders(self, symbol: str | None = None) -> list[VenueOrder]: ...

    def fetch_my_trades(self, *, symbol: str, cursor: str | None, limit: int) -> TradePage: ...

    def fetch_order_trades(self, *, symbol: str, venue_order_id: str) -> list[VenueTrade]:
        """The venue's executions of one order, oldest first; empty when it has none."""
        ...

    def traded_symbols(self) -> list[str]: ...

    def candles(self, *, symbol: str, timeframe: str = "1m", limit: int = 120) -> list[Candle]:
        """The last `limit` periods of `symbol`, oldest first, the current (unfinished) one last;
        empty when the venue keeps no history. `timeframe` is one of TIMEFRAMES."""
        ...


# --- errors -----------------------------------------------------------------------------------


class VenueError(ApiError):
    status = 502
    code = "EXCHANGE_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(status=self.status, code=self.code, message=message)


class AuthenticationFailed(VenueError):
    """The exchange refused the key, secret or passphrase."""

    status = 400
    code = "EXCHANGE_AUTH_FAILED"


class InsufficientFunds(VenueError):
    status = 400
    code = "INSUFFICIENT_FUNDS"


class InvalidOrder(VenueError):
    status = 400
    code = "INVALID_ORDER"


class UnknownSymbol(VenueError):
    status = 400
    code = "UNKNOWN_SYMBOL"


class UnsupportedTimeframe(VenueError):
    status = 400
    code = "INVALID_TIMEFRAME"


def check_candle_request(timeframe: str, limit: int) -> int:
    """The limit to ask for (1 to MAX_CANDLES); an unknown timeframe is refused."""
    if timeframe not in TIMEFRAMES:
        raise UnsupportedTimeframe(f"timeframe must be one of {', '.join(TIMEFRAMES)}, not {timeframe!r}.")
    return max(1, min(int(limit), MAX_CANDLES))


class OrderNotFound(VenueError):
    status = 404
    code = "ORDER_NOT_FOUND"


class RateLimited(VenueError):
    status = 429
    code = "EXCHANGE_RATE_LIMITED"


class VenueUnavailable(VenueError):
    """The exchange could not be reached or answered with a server error."""

    status = 502
    code = "EXCHANGE_UNAVAILABLE"
