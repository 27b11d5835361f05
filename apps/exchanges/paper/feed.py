"""The paper exchange's market feed: a bounded random walk per market, matched and published.

Each tick moves every paper market by at most `MAX_MOVE` of its price (quantized to the market's
tick size and kept between half and twice its opening price), matches resting orders at the new
price (`engine.set_price`), then publishes `ticker.<SYMBOL>`, `trade.<SYMBOL>` and
`depth.<SYMBOL>` for the streams someone watches (`apps.core.fanout.watched_streams`).
Every `BROADCAST_SECONDS` it publishes every stream once anyway: a socket whose watch mark
lapsed (say the feed was stopped for a while) gets an event and marks its stream again.
"""

from __future__ import annotations

import logging
import random
import time
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.cache import cache

from apps.core.fanout import watched_streams
from apps.core.streams import publish
from apps.exchanges.paper import candles, engine

logger = logging.getLogger(__name__)

MAX_MOVE = Decimal("0.0005")  # 0.05% per tick
MOVE_STEPS = 1000  # a move is a whole number of MAX_MOVE / MOVE_STEPS
DEPTH_LEVELS = 5
BROADCAST_SECONDS = 20
BROADCAST_KEY = "paper-feed:last-broadcast"
KINDS = ("ticker", "trade", "depth")

# Market noise, not a secret: a seeded-per-process PRNG is what is wanted.
_rng = random.Random()  # noqa: S311


def next_price(symbol: str, price: Decimal, rng: random.Random) -> Decimal:
    opening = engine.markets()[symbol]
    step = engine.price_step(symbol)
    move = MAX_MOVE * Decimal(rng.randint(-MOVE_STEPS, MOVE_STEPS)) / MOVE_STEPS
    moved = min(max(price * (1 + move), opening / 2), opening * 2)
    return max(moved.quantize(step, rounding=ROUND_HALF_EVEN), step)


def lot_size(symbol: str) -> Decimal:
    """A synthetic trade or book level is a whole number of lots: 0.001 BTC, 0.01 ETH, 0.1 SOL."""
    return Decimal(1).scaleb(-(engine.markets()[symbol].adjusted() - 1))


def market_events(symbol: str, price: Decimal, rng: random.Random, now_ms: int) -> dict[str, dict]:
    """The ticker, trade and depth events of one tick, keyed by stream kind."""
    # Numbers read as the REST API writes them (`49995`, not `49995.0`), whatever the tick size.
    tidy = engine.tidy
    step, lot, price = engine.price_step(symbol), lot_size(symbol), engine.tidy(price)
    bids = [[tidy(price - step * level), tidy(lot * rng.randint(1, 500))] for level in range(1, DEPTH_LEVELS + 1)]
    asks = [[tidy(price + step * level), tidy(lot * rng.randint(1, 500))] for level in range(1, DEPTH_LEVELS + 1)]
    return {
        "ticker": {"e": "ticker", "E": now_ms, "s": symbol, "c": price, "b": bids[0][0], "a": asks[0][0]},
        "trade": {
            "e": "trade",
            "E": now_ms,
            "s": symbol,
            "p": price,
            "q": tidy(lot * rng.randint(1, 100)),
            "T": now_ms,
            "m": rng.random() < 0.5,
        },
        "depth": {"e": "depthUpdate", "E": now_ms, "s": symbol, "b": bids, "a": asks},
    }


def tick_market(*, rng: random.Random | None = None) -> dict[str, Decimal]:
    """Move every paper market one step, match resting orders, publish; returns the new prices."""
    rng = rng or _rng
    prices = {}
    for symbol, price in engine.current_prices().items():
        prices[symbol] = next_price(symbol, price, rng)
        engine.set_price(symbol=symbol, price=prices[symbol])
    _record(prices)
    streams = [f"{kind}.{symbol}" for symbol in prices for kind in KINDS]
    audience = set(streams) if _broadcast_due() else watched_streams(streams)
    now_ms = int(time.time() * 1000)
    for symbol, price in prices.items():
        for kind, data in market_events(symbol, price, rng, now_ms).items():
            stream = f"{kind}.{symbol}"
            if stream in audience:
                _publish(stream, data)
    return prices


def _broadcast_due() -> bool:
    # `add` only sets a missing key: one tick per BROADCAST_SECONDS wins, whichever worker runs it.
    return bool(cache.add(BROADCAST_KEY, 1, timeout=BROADCAST_SECONDS))


def _record(prices: dict[str, Decimal]) -> None:
    # The chart's history, not the book of record: a failure loses one tick's candle update.
    try:
        candles.record(prices)
    except Exception:
        logger.warning("could not record the paper candles", exc_info=True)


def _publish(stream: str, data: dict) -> None:
    # Prices are committed by now; a channel layer hiccup loses one event, never the tick.
    try:
        publish(stream, data)
    except Exception:
        logger.warning("could not publish %s", stream, exc_info=True)
