"""A mint's minimum amounts tolerate a price move of DROID_MINT_SLIPPAGE_BPS, not a cut of each
token: near a range's edge a tiny move changes the mix of the two tokens a lot (the demo droid's
first mints were refused by the pool on a 0.3% move)."""

from __future__ import annotations

from math import isqrt

import pytest

from apps.droids import v3math
from apps.droids.engine.positions import mint_minimums
from apps.droids.ladder import PlannedPosition

LOWER, UPPER = -600, 600


def planned_at(tick: int, amount0: int = 10**18, amount1: int = 3 * 10**9) -> tuple[PlannedPosition, int]:
    """A position over [LOWER, UPPER) funded as the manager would take it at `tick`'s price."""
    price = v3math.sqrt_ratio_at_tick(tick)
    sqrt_a, sqrt_b = v3math.sqrt_ratio_at_tick(LOWER), v3math.sqrt_ratio_at_tick(UPPER)
    liquidity = v3math.liquidity_for_amounts(price, sqrt_a, sqrt_b, amount0, amount1)
    used0, used1 = v3math.amounts_for_liquidity(price, sqrt_a, sqrt_b, liquidity)
    return PlannedPosition(LOWER, UPPER, used0, used1, liquidity, value=0), price


def used_after_move(planned: PlannedPosition, price: int, bps: int) -> tuple[int, int]:
    """What the position manager takes of the planned amounts once the price moved `bps`."""
    moved = price * isqrt(((10_000 + bps) << 192) // 10_000) >> 96
    sqrt_a, sqrt_b = v3math.sqrt_ratio_at_tick(LOWER), v3math.sqrt_ratio_at_tick(UPPER)
    liquidity = v3math.liquidity_for_amounts(moved, sqrt_a, sqrt_b, planned.amount0, planned.amount1)
    return v3math.amounts_for_liquidity(moved, sqrt_a, sqrt_b, liquidity)


@pytest.mark.parametrize("tick", [LOWER + 5, -300, 0, 300, UPPER - 5])
@pytest.mark.parametrize("bps", [-99, -30, 30, 99])
def test_a_price_move_within_the_tolerance_still_mints(settings, tick, bps):
    settings.DROID_MINT_SLIPPAGE_BPS = 100
    planned, price = planned_at(tick)
    least0, least1 = mint_minimums(planned, price)

    used0, used1 = used_after_move(planned, price, bps)

    assert used0 >= least0 and used1 >= least1
    assert least0 <= planned.amount0 and least1 <= planned.amount1


def test_near_a_range_edge_a_flat_one_percent_cut_would_have_refused_a_small_move(settings):
    settings.DROID_MINT_SLIPPAGE_BPS = 100
    planned, price = planned_at(LOWER + 5)  # almost all token0, a little token1

    _, used1 = used_after_move(planned, price, -30)

    assert used1 < planned.amount1 * 99 // 100  # what the old minimum refused
    assert used1 >= mint_minimums(planned, price)[1]


@pytest.mark.parametrize("bps", [-300, 300])
def test_a_move_past_the_tolerance_is_still_refused(settings, bps):
    settings.DROID_MINT_SLIPPAGE_BPS = 100
    planned, price = planned_at(0)
    least0, least1 = mint_minimums(planned, price)

    used0, used1 = used_after_move(planned, price, bps)

    assert used0 < least0 or used1 < least1


def test_a_position_above_the_price_needs_only_token0(settings):
    settings.DROID_MINT_SLIPPAGE_BPS = 100
    planned, price = planned_at(LOWER - 600)

    least0, least1 = mint_minimums(planned, price)

    assert planned.amount1 == least1 == 0
    assert planned.amount0 - 2 <= least0 <= planned.amount0  # the liquidity's rounding, in wei
