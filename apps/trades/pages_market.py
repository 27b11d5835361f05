"""What the trade desk shows about a market, read through the account's venue: the account's
symbols, the last price, the available balance of the quote asset, and candles for the chart.

A venue that cannot answer leaves a note on the page (`DeskMarket.problem`), never a 500. Two
small JSON endpoints feed the ticket's script: `/trade/market` (price, balance and steps of
another symbol, when the trader picks it) and `/trade/candles` (the chart's history). Prices
travel as strings; the page turns them into numbers for drawing only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.navigation import active_account_required
from apps.core.errors import ApiError
from apps.exchanges.crypto import InvalidToken
from apps.exchanges.models import ExchangeAccount
from apps.exchanges.selectors import account_for, active_accounts
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import (
    TIMEFRAMES,
    Balance,
    Candle,
    Market,
    UnknownSymbol,
    VenueError,
    check_candle_request,
    quote_asset,
)
from apps.trades.templatetags.trading import amount

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Quote assets counted in cents: amounts in them (risk, P&L, balances) are shown to 2 decimals.
CENT_QUOTES = frozenset({"USDT", "USDC", "USD", "BUSD", "FDUSD", "TUSD", "DAI", "EUR", "GBP"})
DEFAULT_CANDLES = 120
DEFAULT_SYMBOL = "BTC_USDT"
# Fewer candles than this and the chart says it is still collecting prices.
COLLECTING_BELOW = 3


def read(account: ExchangeAccount, what: str, call: Callable[[Any], T]) -> T:
    """One read through the account's venue; whatever goes wrong is a VenueError with a message
    a trader can read (the venue held decrypted credentials: nothing else is logged)."""
    try:
        return call(venue_for(account))
    except (VenueError, ApiError):
        raise
    except InvalidToken:
        raise VenueError("The stored credentials cannot be decrypted; remove the account and add it again.") from None
    except Exception:
        logger.exception("Unexpected failure reading %s from %s", what, account.exchange_name)
        raise VenueError(f"{account.exchange_name} answered in a way the platform did not understand.") from None


# --- precision ---------------------------------------------------------------------------------


def price_step(market: Market | None, price: Decimal | None) -> Decimal | None:
    """The market's tick size, or five significant digits of the price when the venue gives none."""
    if market is not None and market.price_step:
        return market.price_step
    if price is None or not price.is_finite() or price <= 0:
        return None
    return Decimal(1).scaleb(price.adjusted() - 4)


def quantity_step(market: Market | None, price: Decimal | None) -> Decimal | None:
    """The market's lot size; without one (the paper exchange takes any size), the step whose
    worth is between 1 and 10 units of the quote asset (0.0001 BTC at 50000), at most 1."""
    if market is not None and market.quantity_step:
        return market.quantity_step
    if price is None or not price.is_finite() or price <= 0:
        return None
    return Decimal(1).scaleb(-max(price.adjusted(), 0))


def quote_step(quote: str) -> Decimal:
    return Decimal("0.01") if quote.upper() in CENT_QUOTES else Decimal("1e-8")


def places(step: Decimal | None) -> int:
    """How many decimals a step shows: 0.0001 -> 4, 0.5 -> 1, 10 -> 0."""
    if step is None:
        return 8
    return max(-step.normalize().as_tuple().exponent, 0)


def round_down(value: Any, step: Decimal | None) -> Decimal | None:
    """`value` cut down to a whole number of `step`s (a size must never be shown above a limit)."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if step is None or not number.is_finite():
        return number
    return (number / step).to_integral_value(rounding=ROUND_DOWN) * step


def shown(value: Any, step: Decimal | None) -> str:
    """A Decimal rounded down to `step`, as people write it (`0.4514`, `50000`)."""
    return amount(round_down(value, step))


# --- the desk's market -------------------------------------------------------------------------


@dataclass
class DeskMarket:
    """The chosen account's markets and, for the chosen symbol, its price and balance."""

    account: ExchangeAccount | None
    markets: list[Market] | None = None  # None: the venue could not list them
    market: Market | None = None
    symbol: str = ""
    price: Decimal | None = None
    balance: Balance | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        if self.market is not None:
            return self.market.base
        return self.symbol.removesuffix("_PERP").rsplit("_", 1)[0] if "_" in self.symbol else ""

    @property
    def quote(self) -> str:
        if self.market is not None:
            return self.market.quote
        return quote_asset(self.symbol) if "_" in self.symbol else ""

    @property
    def price_step(self) -> Decimal | None:
        return price_step(self.market, self.price)

    @property
    def quantity_step(self) -> Decimal | None:
        return quantity_step(self.market, self.price)

    @property
    def quote_step(self) -> Decimal:
        return quote_step(self.quote)

    @property
    def quote_places(self) -> int:
        return places(self.quote_step)

    @property
    def available(self) -> str | None:
        """The quote asset's free balance, cut down to its precision (cents for USDT)."""
        return shown(self.balance.free, self.quote_step) if self.balance else None

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": str(self.account.id) if self.account else None,
            "symbol": self.symbol,
            "base": self.base,
            "quote": self.quote,
            "price": amount(self.price) if self.price is not None else None,
            "price_step": amount(self.price_step) if self.price_step else None,
            "quantity_step": amount(self.quantity_step) if self.quantity_step else None,
            "available": self.available,
            "quote_places": self.quote_places,
            "problems": self.problems,
        }


def choose_account(request: HttpRequest, wanted: Any = None) -> ExchangeAccount | None:
    """The user's account named by `wanted` (an id), else their oldest active one."""
    accounts = list(active_accounts(user=request.user))
    return next((a for a in accounts if str(a.id) == str(wanted)), accounts[0] if accounts else None)


def desk_market(account: ExchangeAccount | None, symbol: str | None, *, with_balance: bool = True) -> DeskMarket:
    """What the desk shows for `symbol` on `account` (its first market when `symbol` is empty
    or not one of them); every read that fails adds a problem instead of raising."""
    desk = DeskMarket(account=account, symbol=(symbol or "").strip().upper())
    if account is None:
        return desk
    try:
        desk.markets = read(account, "markets", lambda venue: venue.fetch_markets())
    except VenueError as error:
        desk.problems.append(f"The account's markets could not be listed: {error.detail}")
    if desk.markets is not None:
        by_symbol = {m.symbol: m for m in desk.markets}
        if desk.symbol not in by_symbol and by_symbol:
            desk.symbol = DEFAULT_SYMBOL if DEFAULT_SYMBOL in by_symbol else min(by_symbol)
        desk.market = by_symbol.get(desk.symbol)
    if not desk.symbol:
        return desk
    try:
        desk.price = read(account, "the price", lambda venue: venue.fetch_price(desk.symbol))
    except VenueError as error:
        desk.problems.append(f"No price for {desk.symbol}: {error.detail}")
    if with_balance and desk.quote:
        try:
            balances = read(account, "the balance", lambda venue: venue.fetch_balance())
        except VenueError as error:
            desk.problems.append(f"The balance could not be read: {error.detail}")
        else:
            desk.balance = next((b for b in balances if b.asset == desk.quote), None) or Balance(
                asset=desk.quote, free=Decimal(0), used=Decimal(0), total=Decimal(0)
            )
    return desk


# --- JSON for the ticket's script --------------------------------------------------------------


def _json_error(error: ApiError) -> JsonResponse:
    return JsonResponse({"error": {"code": error.error_code, "message": str(error.detail)}}, status=error.status_code)


def _account(request: HttpRequest) -> ExchangeAccount:
    return account_for(user=request.user, account_id=request.GET.get("account") or "")


@never_cache
@active_account_required
@require_GET
def market_json(request: HttpRequest) -> JsonResponse:
    """`/trade/market?account=<id>&symbol=BTC_USDT`: the price, available balance and steps."""
    try:
        account = _account(request)
    except ApiError as error:
        return _json_error(error)
    symbol = (request.GET.get("symbol") or "").strip().upper()
    desk = desk_market(account, symbol)
    if desk.markets is not None and desk.symbol != symbol:
        return _json_error(UnknownSymbol(f"This account has no market {symbol!r}."))
    return JsonResponse(desk.as_json())


def candle_json(candle: Candle) -> dict[str, Any]:
    return {
        "time": int(candle.opened_at.timestamp()),
        "open": amount(candle.open),
        "high": amount(candle.high),
        "low": amount(candle.low),
        "close": amount(candle.close),
    }


def seed_candle(price: Decimal, timeframe: str, now: datetime | None = None) -> Candle:
    """One flat candle at `price` for the current period: what a market without history shows."""
    seconds = TIMEFRAMES[timeframe]
    stamp = int((now or timezone.now()).timestamp())
    opened_at = datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC)
    return Candle(opened_at=opened_at, open=price, high=price, low=price, close=price)


@never_cache
@active_account_required
@require_GET
def candles_json(request: HttpRequest) -> JsonResponse:
    """`/trade/candles?account=<id>&symbol=BTC_USDT&timeframe=1m&limit=120`: the chart's history,
    oldest first, prices as strings. A market with no history yet answers one candle at the
    current price and `"collecting": true`, so the chart shows where the market is."""
    timeframe = request.GET.get("timeframe") or "1m"
    try:
        account = _account(request)
        symbol = (request.GET.get("symbol") or "").strip().upper()
        if not symbol:
            raise UnknownSymbol("Name the symbol: ?symbol=BTC_USDT.")
        try:
            limit = int(request.GET.get("limit") or DEFAULT_CANDLES)
        except ValueError:
            raise ApiError(status=400, code="VALIDATION_ERROR", message="limit must be a whole number.") from None
        limit = check_candle_request(timeframe, limit)
        candles = read(account, "candles", lambda venue: venue.candles(symbol=symbol, timeframe=timeframe, limit=limit))
        history = len(candles)
        if not candles:
            price = read(account, "the price", lambda venue: venue.fetch_price(symbol))
            candles = [seed_candle(price, timeframe)]
    except ApiError as error:
        return _json_error(error)
    return JsonResponse(
        {
            "symbol": symbol,
            "timeframe": timeframe,
            "collecting": history < COLLECTING_BELOW,
            "candles": [candle_json(c) for c in candles],
        }
    )
