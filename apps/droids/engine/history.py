"""The droid's holdings at one run, as a DroidHistory row.

- price: the pool's spot price, token1 per token0;
- token0_positions / token1_positions: what the ACTIVE positions would pay out if closed now,
  in whole tokens: the liquidity's amounts at the current price (LiquidityAmounts, rounded down,
  which is the pool's own burn rounding), without the fees they have earned and not yet
  collected (those are counted once collected, below);
- aum: those two valued in USD (the stablecoin side at one dollar, the other at the pool price);
  the wallet's idle tokens are not under management and are left out;
- eth_wallet: the wallet's ether (what pays for gas);
- fees_usd: every fee collected from the droid's positions so far, valued at the current price.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Context, Decimal

from django.db.models import Sum

from apps.droids import v3math
from apps.droids.chain import DroidChain, PoolReading
from apps.droids.engine.positions import UsdPrices
from apps.droids.models import BotStatus, Droid, DroidHistory

PLACES = Decimal("1e-18")  # the columns' scale
WIDE = Context(prec=60)


def to_scale(value: Decimal) -> Decimal:
    """`value` at the amount columns' 18 places."""
    return value.quantize(PLACES, context=WIDE)


def _whole(raw: int, decimals: int) -> Decimal:
    return to_scale(WIDE.divide(Decimal(raw), Decimal(10) ** decimals))


def position_amounts(droid: Droid, sqrt_price_x96: int) -> tuple[int, int]:
    """Raw token0 and token1 the droid's ACTIVE positions hold at `sqrt_price_x96`."""
    total0 = total1 = 0
    for bot in droid.bots.filter(status=BotStatus.ACTIVE):
        amount0, amount1 = v3math.amounts_for_liquidity(
            sqrt_price_x96,
            v3math.sqrt_ratio_at_tick(bot.tick_lower),
            v3math.sqrt_ratio_at_tick(bot.tick_upper),
            int(bot.liquidity),
        )
        total0 += amount0
        total1 += amount1
    return total0, total1


def write_history(
    *, droid: Droid, chain: DroidChain, reading: PoolReading, price: Decimal, prices: UsdPrices, now: datetime
) -> DroidHistory:
    pool = droid.pool
    raw0, raw1 = position_amounts(droid, reading.sqrt_price_x96)
    token0, token1 = _whole(raw0, pool.token0_decimals), _whole(raw1, pool.token1_decimals)
    fees = droid.bots.aggregate(fees0=Sum("fees0"), fees1=Sum("fees1"))
    fees0 = _whole(int(fees["fees0"] or 0), pool.token0_decimals)
    fees1 = _whole(int(fees["fees1"] or 0), pool.token1_decimals)
    return DroidHistory.objects.create(
        droid=droid,
        time_stamp=now,
        block_number=reading.block_number,
        aum=to_scale(token0 * prices.token0 + token1 * prices.token1),
        price=to_scale(price),
        token0_positions=token0,
        token1_positions=token1,
        eth_wallet=_whole(chain.eth_balance(), 18),
        fees_usd=to_scale(fees0 * prices.token0 + fees1 * prices.token1),
    )
