"""Fixtures for exchange tests: a local Binance the real ccxt client talks to.

`binance_server` starts `tests.exchanges.binance_server.BinanceServer` on a free loopback port
and points `settings.EXCHANGE_BASE_URLS["binance"]` at it, so any `CcxtVenue("binance", ...)`
(and so `venue_for(account)` for a binance account) reaches it. What a test can use:

- `server.api_key`, `server.secret`: the credentials it accepts. They equal the ones
  `tests.exchanges.factories.ApiKeyAccountFactory` seals, so a factory account works as is;
  any other key answers 401 (-2015) and a wrong secret 400 (-1022), as Binance does.
- `server.state`: the account. Starts with 100000 USDT, 1 BTC, 0 ETH; markets BTCUSDT (50000)
  and ETHUSDT (3000), tick and step 0.00000001. `set_balance(asset, free, locked="0")`,
  `set_price(symbol, price)` (fills resting orders the price reaches), `seed_trades(symbol, n)`,
  `execute(order_id, qty, price=None)` (one partial execution of a resting order),
  `orders` (by id), `trades` (by symbol), `fee_rate` (Decimal, default 0).
- `server.fail_next(status, body=None, times=1, path=None)`: the next requests answer `status`
  (503 -> exchange down, 429 -> rate limited). `server.stop()` makes it refuse connections.
- `server.requests`: every request seen, as (method, path, params without the signature).

`binance_venue(**credentials)` builds a `CcxtVenue("binance", ...)` with the server's credentials,
overridden by any given (`binance_venue(secret="wrong")`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from apps.exchanges.venues.ccxt_venue import CcxtVenue, clear_market_cache
from tests.exchanges.binance_server import BinanceServer


@pytest.fixture
def binance_server(settings) -> Iterator[BinanceServer]:
    clear_market_cache()
    server = BinanceServer().start()
    settings.EXCHANGE_BASE_URLS = {**settings.EXCHANGE_BASE_URLS, "binance": server.url}
    settings.EXCHANGE_TIMEOUT_SECONDS = 5.0
    yield server
    server.stop()
    clear_market_cache()


@pytest.fixture
def binance_venue(binance_server: BinanceServer) -> Callable[..., CcxtVenue]:
    def build(**credentials: str) -> CcxtVenue:
        return CcxtVenue("binance", {"api_key": binance_server.api_key, "secret": binance_server.secret, **credentials})

    return build
