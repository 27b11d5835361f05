"""Droid rows for the page tests: a droid as the create service leaves it (on the API's
factories), and its positions, runs and history as the engine writes them."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.droids.ladder import tick_for_price
from apps.droids.models import (
    Droid,
    DroidAccount,
    DroidBot,
    DroidHistory,
    DroidPool,
    DroidRun,
    DroidSession,
    RunOutcome,
    SessionStatus,
)
from tests.droids.factories import DroidAccountFactory, DroidFactory, DroidPoolFactory

# Position NFT ids, unique across a test's droids as the position manager's are.
_TOKEN_IDS = itertools.count(1)


def make_droid(user, *, pool: DroidPool | None = None, **overrides: object) -> Droid:
    """A paused droid of `user` on a WETH/USDC pool, with the PAUSED session its creation opens."""
    pool = pool or DroidPoolFactory()
    account = DroidAccount.objects.filter(user=user, chain_id=pool.chain_id).first() or DroidAccountFactory(user=user)
    values = {"trigger_type": "PRICE", "funding_usd": Decimal(5000), "gas_budget_limit": Decimal("0.5")} | overrides
    droid = DroidFactory(owner=user, account=account, pool=pool, **values)
    DroidSession.objects.create(droid=droid, status=SessionStatus.PAUSED, started_at=timezone.now(), started_by=user)
    return droid


def seed_ladder(
    droid: Droid,
    *,
    prices: tuple[object, ...] = (2800, 2900, 3000, 3100, 3200),
    deposits: tuple[str, str] = ("0.2", "400"),
) -> list[DroidBot]:
    """Positions between consecutive `prices` (the pool's token1 per token0), on the pool's tick
    spacing, each holding `deposits` (whole token0, token1), minted an hour ago, as the engine
    records a mint."""
    pool = droid.pool

    def tick(price: object) -> int:
        found = tick_for_price(Decimal(str(price)), pool.token0_decimals, pool.token1_decimals)
        return found // pool.tick_spacing * pool.tick_spacing

    opened = timezone.now() - timedelta(hours=1)
    return [
        DroidBot.objects.create(
            droid=droid,
            token_id=next(_TOKEN_IDS),
            tick_lower=tick(lower),
            tick_upper=tick(upper),
            liquidity=10**15,
            amount0=int(Decimal(deposits[0]) * 10**pool.token0_decimals),
            amount1=int(Decimal(deposits[1]) * 10**pool.token1_decimals),
            mint_tx="0x" + f"{index:064x}",
            opened_at=opened,
        )
        for index, (lower, upper) in enumerate(itertools.pairwise(prices))
    ]


def seed_runs_and_history(droid: Droid, *, price: object = 2950, runs: int = 6) -> None:
    """One run and one history row every ten minutes, fees growing, the last run in range."""
    start = timezone.now() - timedelta(minutes=10 * runs)
    for step in range(runs):
        at = start + timedelta(minutes=10 * step)
        outcome = RunOutcome.MINTED if step == 0 else RunOutcome.IN_RANGE
        DroidRun.objects.create(
            droid=droid,
            ran_at=at,
            outcome=outcome,
            detail="Minted 4 positions" if step == 0 else "The price is inside the ladder.",
            block_number=100 + step,
            gas_price_gwei=Decimal("12.5"),
            price=Decimal(str(price)),
        )
        DroidHistory.objects.create(
            droid=droid,
            time_stamp=at,
            block_number=100 + step,
            aum=Decimal(5000) - step * Decimal("3.5"),
            price=Decimal(str(price)),
            token0_positions=Decimal("0.8"),
            token1_positions=Decimal(1600),
            eth_wallet=Decimal("0.9"),
            fees_usd=step * Decimal("1.25"),
        )
    Droid.objects.filter(id=droid.id).update(last_run_at=at)
