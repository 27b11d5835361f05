"""Every ccxt exchange behind the `Venue` protocol; the only package that knows ccxt.

Symbols. The platform writes `BASE_QUOTE` (`BTC_USDT`). On a venue that lists both a spot market
and a perpetual swap for the pair, `BTC_USDT` is the spot market and `BTC_USDT_PERP` the swap
(`BTC/USDT:USDT`); on a derivatives-only venue the swap is plain `BTC_USDT`. Dated futures and
options are not offered. The mapping is built from the venue's own market list, so every symbol
the adapter returns can be sent back to it unchanged.

Numbers. `exchange.number = str` makes ccxt hand back its unified structures with decimal
strings, which become Decimals without ever being floats; quantities and prices go out as the
strings ccxt's own precision helpers produce, and an amount finer than the market's step is
refused rather than silently truncated.

Errors. Every ccxt exception becomes a `VenueError` (bad key 400, rate limit 429, exchange down
502, ...) whose message names the exchange and keeps only the exchange's own explanation: no URL
query strings, signatures, keys or secrets.

Addresses. `settings.EXCHANGE_BASE_URLS` (`{"binance": "http://127.0.0.1:8123"}`) moves every
REST URL of an exchange to another host, keeping the paths: how tests point ccxt at a local
server that speaks the exchange's dialect (it then loads spot markets only).
"""

from __future__ import annotations

from apps.exchanges.venues.ccxt_venue.catalogue import (
    ExchangeInfo,
    MissingCredentials,
    UnsupportedExchange,
    describe_exchange,
    supported_exchanges,
)
from apps.exchanges.venues.ccxt_venue.markets import clear_market_cache, from_ccxt_symbol, to_ccxt_symbol
from apps.exchanges.venues.ccxt_venue.venue import CcxtVenue

__all__ = [
    "CcxtVenue",
    "ExchangeInfo",
    "MissingCredentials",
    "UnsupportedExchange",
    "clear_market_cache",
    "describe_exchange",
    "from_ccxt_symbol",
    "supported_exchanges",
    "to_ccxt_symbol",
]
