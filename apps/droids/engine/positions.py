"""What the engine does with a droid's positions on the chain, and the rows that mirror them.

Every function here runs inside the caller's transaction with the droid and its wallet locked,
and writes each bot row right after the chain call it mirrors, so a run that fails half way
keeps the rows of what did happen. What a crash can still lose (the process dying between a
transaction's receipt and the commit) `reconcile_bots` recovers on the next run from the
position manager itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from math import isqrt

from django.conf import settings

from apps.droids import v3math
from apps.droids.chain import ChainError, DroidChain, Fees, PoolReading
from apps.droids.ladder import LadderConfig, PlannedPosition, PoolState, plan_ladder
from apps.droids.models import BotStatus, Droid, DroidBot
from apps.droids.pricing import inverted, pool_bounds
from apps.exchanges.crypto import unseal
from apps.indexer.rpc import chain_client

GWEI = 10**9
WEI_PER_ETH = Decimal(10**18)
# Symbols the engine prices at one dollar; with neither token one of them, token1 is the quote.


@dataclass(frozen=True)
class UsdPrices:
    token0: Decimal  # USD per whole token0
    token1: Decimal


def chain_for(droid: Droid) -> DroidChain:
    return DroidChain(
        chain_client(),
        private_key=unseal(droid.account.private_key),
        position_manager=droid.pool.position_manager,
        receipt_timeout=settings.DROID_RECEIPT_TIMEOUT_SECONDS,
    )


def read_pool(droid: Droid, chain: DroidChain) -> PoolReading:
    """The droid's pool now; a ChainError when the contract there is not the pool the row describes
    (a droid must never mint on a pool of other tokens)."""
    pool = droid.pool
    reading = chain.read_pool(pool.address)
    found = (reading.token0.lower(), reading.token1.lower(), reading.fee)
    if found != (pool.token0.lower(), pool.token1.lower(), pool.fee_tier):
        raise ChainError(
            f"the contract at {pool.address} is not the droid's {pool.token0_symbol}/{pool.token1_symbol} pool"
        )
    return reading


def fees_for(droid: Droid) -> Fees:
    """Never pay more per gas than the droid's limit; tip `tx_priority` gwei (within the limit)."""
    max_fee = int(droid.max_gas_price * GWEI)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(droid.tx_priority * GWEI, max_fee))


def pool_state(droid: Droid, reading: PoolReading) -> PoolState:
    pool = droid.pool
    return PoolState(
        reading.sqrt_price_x96, reading.tick, reading.tick_spacing, pool.token0_decimals, pool.token1_decimals
    )


def usd_prices(droid: Droid, price: Decimal) -> UsdPrices:
    """USD per whole token at `price` (token1 per token0): the stablecoin side is one dollar."""
    if inverted(droid.pool):
        return UsdPrices(Decimal(1), 1 / price)
    return UsdPrices(price, Decimal(1))


def funding_raw(droid: Droid, prices: UsdPrices) -> int:
    """The droid's funding in raw token1 units (what the ladder splits)."""
    return int(droid.funding_usd / prices.token1 * 10**droid.pool.token1_decimals)


def ladder_config(droid: Droid) -> LadderConfig:
    """The droid's configuration for the planner, its price bounds in the pool's orientation."""
    min_price, max_price = pool_bounds(droid.pool, droid.min_price, droid.max_price)
    return LadderConfig(
        tick_buckets=droid.tick_buckets,
        bucket_offset=droid.bucket_offset,
        funding_curve=droid.funding_curve_type,
        max_bots=droid.max_bots,
        min_price=min_price,
        max_price=max_price,
        ladder_perc_margin=droid.ladder_perc_margin,
    )


def plan_for(droid: Droid, reading: PoolReading, prices: UsdPrices) -> list[PlannedPosition]:
    plan = plan_ladder(ladder_config(droid), pool_state(droid, reading), funding_raw(droid, prices))
    return [position for position in plan if position.liquidity > 0]  # dust buckets mint nothing


def _spend_gas(droid: Droid, wei: int) -> None:
    droid.gas_spent_eth += Decimal(wei) / WEI_PER_ETH


def mint_minimums(planned: PlannedPosition, sqrt_price_x96: int) -> tuple[int, int]:
    """The least of each token a mint of `planned` may use and still count as the one planned:
    what the position manager would take of the planned amounts were the price
    DROID_MINT_SLIPPAGE_BPS lower or higher (as the Uniswap SDK's `mintAmountsWithSlippage`).
    A flat cut of each amount instead refused mints near a range's edge, where a 0.1% move of
    the price changes the mix of the two tokens by far more than 1%."""
    bps = settings.DROID_MINT_SLIPPAGE_BPS
    sqrt_a, sqrt_b = v3math.sqrt_ratio_at_tick(planned.tick_lower), v3math.sqrt_ratio_at_tick(planned.tick_upper)
    least = [planned.amount0, planned.amount1]
    for factor in (10_000 - bps, 10_000 + bps):
        moved = sqrt_price_x96 * isqrt((factor << 192) // 10_000) >> 96
        liquidity = v3math.liquidity_for_amounts(moved, sqrt_a, sqrt_b, planned.amount0, planned.amount1)
        used = v3math.amounts_for_liquidity(moved, sqrt_a, sqrt_b, liquidity)
        least = [min(old, new) for old, new in zip(least, used, strict=True)]
    return least[0], least[1]


def mint_ladder(
    *, droid: Droid, chain: DroidChain, plan: list[PlannedPosition], sqrt_price_x96: int, now: datetime
) -> list[DroidBot]:
    """Approve what the ladder needs, then mint its positions one by one, a bot row per mint.
    The minimum amounts allow DROID_MINT_SLIPPAGE_BPS of price movement from `sqrt_price_x96`,
    the price the plan was made at (`mint_minimums`)."""
    pool, fees = droid.pool, fees_for(droid)
    for token, needed in ((pool.token0, sum(p.amount0 for p in plan)), (pool.token1, sum(p.amount1 for p in plan))):
        if needed and (sent := chain.ensure_allowance(token, needed, fees)):
            _spend_gas(droid, sent.gas_fee_wei)
    bots = []
    for planned in plan:
        amount0_min, amount1_min = mint_minimums(planned, sqrt_price_x96)
        minted = chain.mint(
            token0=pool.token0,
            token1=pool.token1,
            fee=pool.fee_tier,
            tick_lower=planned.tick_lower,
            tick_upper=planned.tick_upper,
            amount0=planned.amount0,
            amount1=planned.amount1,
            amount0_min=amount0_min,
            amount1_min=amount1_min,
            fees=fees,
        )
        _spend_gas(droid, minted.gas_fee_wei)
        bots.append(
            DroidBot.objects.create(
                droid=droid,
                token_id=minted.token_id,
                tick_lower=planned.tick_lower,
                tick_upper=planned.tick_upper,
                liquidity=minted.liquidity,
                amount0=minted.amount0,
                amount1=minted.amount1,
                mint_tx=minted.tx_hash,
                opened_at=now,
            )
        )
    return bots


def close_bots(*, droid: Droid, chain: DroidChain, now: datetime) -> int:
    """Close every ACTIVE bot (liquidity out, everything owed collected, NFT burned); the fees
    collected beyond the principal go to the bot's fees0/fees1. Returns how many were closed."""
    fees = fees_for(droid)
    bots = list(droid.bots.filter(status=BotStatus.ACTIVE))
    for bot in bots:
        closed = chain.close(int(bot.token_id), fees)
        _spend_gas(droid, closed.gas_fee_wei)
        bot.status, bot.close_tx, bot.closed_at = BotStatus.CLOSED, closed.tx_hash, now
        bot.fees0 += closed.fees0
        bot.fees1 += closed.fees1
        bot.save(update_fields=["status", "close_tx", "closed_at", "fees0", "fees1"])
    return len(bots)


def reconcile_bots(*, droid: Droid, chain: DroidChain, reading: PoolReading, now: datetime) -> list[str]:
    """Make the droid's ACTIVE bots the positions its wallet really holds on its pool:
    - an ACTIVE bot whose NFT the wallet no longer holds was closed by a transaction whose
      row was lost: it is marked CLOSED (its close_tx and fees unknown);
    - a position NFT on the droid's pool with liquidity, held by the wallet but in no bot row of
      any droid on this wallet, was minted by a run whose rows were lost: it becomes an ACTIVE
      bot, its amounts those it holds now.
    Returns a note per repair, for the run's detail."""
    owned = set(chain.owned_token_ids())
    notes = []
    for bot in droid.bots.filter(status=BotStatus.ACTIVE):
        if int(bot.token_id) not in owned:
            bot.status, bot.closed_at = BotStatus.CLOSED, now
            bot.save(update_fields=["status", "closed_at"])
            notes.append(f"position {bot.position_id} was already burned")
    known = {int(t) for t in DroidBot.objects.filter(droid__account=droid.account).values_list("token_id", flat=True)}
    pool = droid.pool
    for token_id in sorted(owned - known):
        position = chain.position(token_id)
        same_pool = (position.token0.lower(), position.token1.lower(), position.fee) == (
            pool.token0.lower(),
            pool.token1.lower(),
            pool.fee_tier,
        )
        if not same_pool or not position.liquidity:
            continue
        amount0, amount1 = v3math.amounts_for_liquidity(
            reading.sqrt_price_x96,
            v3math.sqrt_ratio_at_tick(position.tick_lower),
            v3math.sqrt_ratio_at_tick(position.tick_upper),
            position.liquidity,
        )
        DroidBot.objects.create(
            droid=droid,
            token_id=token_id,
            tick_lower=position.tick_lower,
            tick_upper=position.tick_upper,
            liquidity=position.liquidity,
            amount0=amount0,
            amount1=amount1,
            mint_tx="",
            opened_at=now,
        )
        notes.append(f"adopted position {hex(token_id)} held by the wallet")
    return notes
