"""Markets and numbers: the platform's symbols for a venue's markets, cached per venue, and
ccxt's decimal strings turned into Decimals and back."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from apps.exchanges.venues.base import PERP_SUFFIX, UnknownSymbol

MARKETS_TTL_SECONDS = 900


def to_ccxt_symbol(symbol: str) -> str:
    """`BTC_USDT` -> `BTC/USDT`; `BTC_USDT_PERP` -> `BTC/USDT:USDT` (the linear perpetual)."""
    perp = symbol.endswith(PERP_SUFFIX)
    base, _, quote = symbol.removesuffix(PERP_SUFFIX).partition("_")
    if not base or not quote:
        raise UnknownSymbol(f"'{symbol}' is not a symbol; write BASE_QUOTE, e.g. BTC_USDT.")
    return f"{base}/{quote}:{quote}" if perp else f"{base}/{quote}"


def from_ccxt_symbol(ccxt_symbol: str, *, perp_suffix: bool = False) -> str:
    """`BTC/USDT` -> `BTC_USDT`; `BTC/USDT:USDT` -> `BTC_USDT` (or `BTC_USDT_PERP` with `perp_suffix`)."""
    pair, _, settle = ccxt_symbol.partition(":")
    platform = pair.replace("/", "_")
    return platform + PERP_SUFFIX if settle and perp_suffix else platform


@dataclass(frozen=True)
class MarketBook:
    """One venue's markets, shared by every adapter instance for MARKETS_TTL_SECONDS."""

    snapshot: SimpleNamespace  # what `set_markets_from_exchange` copies; holds no credentials
    by_platform: dict[str, dict[str, Any]]
    platform_of: dict[str, str]
    expires_at: float


BOOKS: dict[tuple[str, str], MarketBook] = {}
BOOKS_LOCK = threading.Lock()


def clear_market_cache() -> None:
    with BOOKS_LOCK:
        BOOKS.clear()


def cached_book(key: tuple[str, str]) -> MarketBook | None:
    with BOOKS_LOCK:
        book = BOOKS.get(key)
    return book if book is not None and book.expires_at > time.monotonic() else None


def remember_book(key: tuple[str, str], exchange: Any) -> MarketBook:
    """Keep a loaded exchange's markets (never the exchange, which holds credentials)."""
    helpers = exchange.safe_list(exchange.options, "marketHelperProps", [])
    snapshot = SimpleNamespace(
        id=exchange.id,
        markets=exchange.markets,
        markets_by_id=exchange.markets_by_id,
        symbols=exchange.symbols,
        ids=exchange.ids,
        currencies=exchange.currencies,
        currencies_by_id=exchange.currencies_by_id,
        baseCurrencies=exchange.baseCurrencies,
        quoteCurrencies=exchange.quoteCurrencies,
        codes=exchange.codes,
        options={key: exchange.options.get(key) for key in helpers},
    )
    by_platform, platform_of = index_markets(exchange.markets)
    book = MarketBook(snapshot, by_platform, platform_of, time.monotonic() + MARKETS_TTL_SECONDS)
    with BOOKS_LOCK:
        BOOKS[key] = book
    return book


def index_markets(markets: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Spot and swap markets by platform symbol, and the platform symbol of each ccxt symbol."""
    tradable = [m for m in markets.values() if m.get("type") in ("spot", "swap") and m.get("active") is not False]
    spot_pairs = {(m["base"], m["quote"]) for m in tradable if m["type"] == "spot"}
    by_platform: dict[str, dict[str, Any]] = {}
    # Linear swaps first, so they win the name when an inverse swap has the same pair.
    for m in sorted(tradable, key=lambda m: (m["type"] != "spot", m.get("settle") != m["quote"])):
        name = from_ccxt_symbol(m["symbol"], perp_suffix=(m["base"], m["quote"]) in spot_pairs)
        by_platform.setdefault(name, m)
    return by_platform, {m["symbol"]: name for name, m in by_platform.items()}


# --- numbers ------------------------------------------------------------------------------------


def dec(value: Any, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    try:
        # ccxt gives strings (number = str); repr keeps a stray float's shortest exact digits.
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return default


def plain(value: Decimal) -> str:
    return format(value, "f")


def when(ms: Any) -> datetime:
    ms = int(ms or 0)
    return datetime.fromtimestamp(ms // 1000, tz=UTC).replace(microsecond=(ms % 1000) * 1000)
