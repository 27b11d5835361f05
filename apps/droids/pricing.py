"""Which way a droid's prices read.

A trader thinks of a WETH/USDC pool's price as USDC per WETH (the seed's droid: 2,500 to 4,000 on
mainnet's USDC/WETH pool, whose token0 is USDC), while the pool's own price is token1 per token0,
and Uniswap orders tokens by address. So every price a droid shows or is configured with
(min/max price, the run's and the history's price, the EMA, the rebalance triggers) is the
pool's stablecoin per unit of its other token; when neither token is a USD stablecoin, token1
per token0. The engine converts at its edges: the ladder planner and the chain stay in the
pool's orientation.
"""

from __future__ import annotations

from decimal import Context, Decimal

from apps.droids.models import DroidPool

# Symbols counted at one US dollar (a pool's funds and a droid's AUM are valued in them).
USD_STABLES = frozenset({"USDC", "USDT", "DAI", "USDC.E", "USDBC", "BUSD", "TUSD", "FRAX", "USD"})
WIDE = Context(prec=60)


def is_stable(symbol: str) -> bool:
    return symbol.upper() in USD_STABLES


def inverted(pool: DroidPool) -> bool:
    """Whether a trader's price is the inverse of the pool's (the stablecoin is token0)."""
    return is_stable(pool.token0_symbol) and not is_stable(pool.token1_symbol)


def price_unit(pool: DroidPool) -> str:
    """How the droid's prices read: "USDC per WETH"."""
    if inverted(pool):
        return f"{pool.token0_symbol} per {pool.token1_symbol}"
    return f"{pool.token1_symbol} per {pool.token0_symbol}"


def trader_price(pool: DroidPool, pool_price: Decimal) -> Decimal:
    """A pool price (token1 per token0) as the trader reads it."""
    return WIDE.divide(Decimal(1), pool_price) if inverted(pool) else pool_price


def pool_bounds(pool: DroidPool, low: Decimal, high: Decimal) -> tuple[Decimal, Decimal]:
    """A trader's [low, high] as the pool's (token1 per token0) [low, high]."""
    if inverted(pool):
        return WIDE.divide(Decimal(1), high), WIDE.divide(Decimal(1), low)
    return low, high
