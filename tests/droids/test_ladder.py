"""The ladder planner and the rebalance rule (apps/droids/ladder.py): one test per rule, and
hypothesis properties over the planner (inside bounds, aligned, non-overlapping, funding exact)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from itertools import pairwise
from math import isqrt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.droids import v3math
from apps.droids.ladder import (
    CURVES,
    LadderConfig,
    LadderError,
    PoolState,
    allocate,
    buckets,
    curve_weights,
    plan_ladder,
    price_for_tick,
    should_rebalance,
    sqrt_price_for,
    tick_bounds,
    tick_for_price,
    value_in_token1,
)

# WETH (18 decimals) as token0 and USDC (6) as token1, at 3000 USDC per WETH.
DECIMALS = (18, 6)
CONFIG = LadderConfig(
    tick_buckets=10,
    bucket_offset=0,
    funding_curve="FLAT",
    max_bots=5,
    min_price=D(2500),
    max_price=D(4000),
    ladder_perc_margin=D("0.02"),
)


def pool_at(price: D, spacing: int = 60, decimals: tuple[int, int] = DECIMALS) -> PoolState:
    sqrt_price = sqrt_price_for(price, *decimals)
    return PoolState(sqrt_price, v3math.tick_at_sqrt_ratio(sqrt_price), spacing, *decimals)


POOL = pool_at(D(3000))
FUNDING = 10_000 * 10**6  # 10,000 USDC


def test_tick_math_matches_the_contracts_ends_and_middle():
    assert v3math.sqrt_ratio_at_tick(v3math.MIN_TICK) == v3math.MIN_SQRT_RATIO
    assert v3math.sqrt_ratio_at_tick(v3math.MAX_TICK) == v3math.MAX_SQRT_RATIO
    assert v3math.sqrt_ratio_at_tick(0) == v3math.Q96
    assert v3math.tick_at_sqrt_ratio(v3math.MIN_SQRT_RATIO) == v3math.MIN_TICK
    assert v3math.tick_at_sqrt_ratio(v3math.MAX_SQRT_RATIO - 1) == v3math.MAX_TICK - 1


def test_it_rejects_a_tick_outside_tickmath_range():
    with pytest.raises(v3math.MathError):
        v3math.sqrt_ratio_at_tick(v3math.MAX_TICK + 1)


def test_a_weth_usdc_price_of_3000_is_the_well_known_tick():
    # 3000 USDC per WETH is 3000e6 / 1e18 raw: log_1.0001(3e-9) = -196,256.6...
    assert tick_for_price(D(3000), *DECIMALS) == -196257
    assert price_for_tick(-196257, *DECIMALS) <= D(3000) < price_for_tick(-196256, *DECIMALS)


def test_the_margin_pulls_both_bounds_inward_onto_the_spacing():
    low, high = tick_bounds(CONFIG, POOL)
    assert price_for_tick(low, *DECIMALS) >= D(2500) * D("1.02")
    assert price_for_tick(high, *DECIMALS) <= D(4000) * D("0.98")
    assert low % 60 == 0 and high % 60 == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min_price": D(4000)}, "min price"),
        ({"ladder_perc_margin": D("0.3")}, "narrower than one tick spacing"),
        ({"tick_buckets": 0}, "tick buckets"),
        ({"max_bots": 0}, "max bots"),
        ({"funding_curve": "CUBIC"}, "unknown funding curve"),
    ],
)
def test_it_rejects_a_config_that_cannot_make_a_ladder(change, message):
    with pytest.raises(LadderError, match=message):
        plan_ladder(replace(CONFIG, **change), POOL, FUNDING)


def test_it_makes_tick_buckets_equal_contiguous_buckets():
    edges = buckets(CONFIG, POOL)
    assert len(edges) == 10
    assert len({upper - lower for lower, upper in edges}) == 1
    assert all(edges[i][1] == edges[i + 1][0] for i in range(9))


def test_the_bucket_offset_shifts_the_grid_by_tick_spacings():
    plain = buckets(CONFIG, POOL)
    shifted = buckets(replace(CONFIG, bucket_offset=2), POOL)
    assert shifted[0][0] == plain[0][0] + 120
    assert len(shifted) == 9  # the last one would cross the upper bound


def test_it_holds_the_max_bots_buckets_nearest_the_price():
    plan = plan_ladder(CONFIG, POOL, FUNDING)
    assert len(plan) == 5
    assert any(p.tick_lower <= POOL.tick < p.tick_upper for p in plan)
    edges = buckets(CONFIG, POOL)
    holding = next(i for i, (lower, upper) in enumerate(edges) if lower <= POOL.tick < upper)
    assert [(p.tick_lower, p.tick_upper) for p in plan] == edges[holding - 2 : holding + 3]


def test_buckets_below_the_price_hold_token1_above_token0_and_the_middle_both():
    plan = plan_ladder(CONFIG, POOL, FUNDING)
    for position in plan:
        if position.tick_upper <= POOL.tick:
            assert (position.amount0, position.amount1 > 0) == (0, True)
        elif position.tick_lower > POOL.tick:
            assert (position.amount0 > 0, position.amount1) == (True, 0)
        else:
            assert position.amount0 > 0 and position.amount1 > 0


@pytest.mark.parametrize(
    ("curve", "distances", "weights"),
    [
        ("FLAT", [2, 1, 0, 1, 2], [1, 1, 1, 1, 1]),
        ("LINEAR", [2, 1, 0, 1, 2], [1, 2, 3, 2, 1]),
        ("GAUSSIAN", [2, 1, 0, 1, 2], [6, 15, 20, 15, 6]),
    ],
)
def test_each_curve_weights_the_buckets_nearest_the_price_most(curve, distances, weights):
    assert curve_weights(curve, distances) == weights


def test_the_rounding_remainder_goes_to_the_bucket_nearest_the_price():
    assert allocate(10, [1, 1, 1], 1) == [3, 4, 3]


def test_the_planned_liquidity_is_what_the_amounts_mint():
    for position in plan_ladder(replace(CONFIG, funding_curve="GAUSSIAN"), POOL, FUNDING):
        sqrt_a, sqrt_b = (v3math.sqrt_ratio_at_tick(t) for t in (position.tick_lower, position.tick_upper))
        assert position.liquidity == v3math.liquidity_for_amounts(
            POOL.sqrt_price_x96, sqrt_a, sqrt_b, position.amount0, position.amount1
        )
        assert position.liquidity > 0


def test_a_price_outside_the_bounds_holds_the_buckets_at_that_edge():
    plan = plan_ladder(CONFIG, pool_at(D(5000)), FUNDING)
    assert plan[-1].tick_upper == buckets(CONFIG, POOL)[-1][1]
    assert all(p.amount0 == 0 for p in plan)  # all below the price: token1 only


EDGES = {"lower_edge": D(2800), "upper_edge": D(3200), "falling_trigger": D("0.03"), "rising_trigger": D("0.05")}


@pytest.mark.parametrize(
    ("reference", "anchor", "threshold", "fire", "reason"),
    [
        (D(3000), D(3000), D("0.01"), False, "within"),
        (D(2717), D(3000), D("0.01"), False, "within"),  # 2800 * 0.97 = 2716
        (D(2715), D(3000), D("0.01"), True, "falling"),
        (D(3361), D(3000), D("0.01"), True, "rising"),  # 3200 * 1.05 = 3360
        (D(3361), D(3350), D("0.01"), False, "derivative threshold"),
        (D(3361), None, D("0.01"), True, "rising"),
    ],
)
def test_the_rebalance_rule(reference, anchor, threshold, fire, reason):
    decision = should_rebalance(reference=reference, anchor=anchor, derivative_threshold=threshold, **EDGES)
    assert decision.fire is fire
    assert reason in decision.reason


# --- properties ------------------------------------------------------------------------------

configs = st.builds(
    LadderConfig,
    tick_buckets=st.integers(1, 30),
    bucket_offset=st.integers(-50, 50),
    funding_curve=st.sampled_from(CURVES),
    max_bots=st.integers(1, 30),
    min_price=st.decimals(D(100), D(2900), places=2),
    max_price=st.decimals(D(3100), D(20000), places=2),
    ladder_perc_margin=st.decimals(D(0), D("0.05"), places=3),
)
pools = st.builds(
    pool_at,
    st.decimals(D(50), D(30000), places=2),
    st.sampled_from([1, 10, 60, 200]),
    st.sampled_from([(18, 6), (6, 18), (18, 18)]),
)


@settings(max_examples=200, deadline=None)
@given(config=configs, pool=pools, funding=st.integers(0, 10**30))
def test_every_plan_stays_inside_bounds_aligned_and_non_overlapping(config, pool, funding):
    try:
        plan = plan_ladder(config, pool, funding)
    except LadderError:
        return  # bounds narrower than a spacing for this pool: refused, not planned
    low, high = tick_bounds(config, pool)
    assert 1 <= len(plan) <= config.max_bots
    for position in plan:
        assert low <= position.tick_lower < position.tick_upper <= high
        assert position.tick_lower % pool.tick_spacing == 0 and position.tick_upper % pool.tick_spacing == 0
    assert all(a.tick_upper <= b.tick_lower for a, b in pairwise(plan))


@settings(max_examples=200, deadline=None)
@given(config=configs, pool=pools, funding=st.integers(0, 10**30))
def test_every_curves_shares_sum_to_the_funding_and_the_amounts_spend_each_share(config, pool, funding):
    try:
        plan = plan_ladder(config, pool, funding)
    except LadderError:
        return
    assert sum(p.value for p in plan) == funding
    # Rounding down leaves at most a few raw units (of either token) of each share unspent.
    raw_price = -(-(pool.sqrt_price_x96**2) // v3math.Q192)
    for position in plan:
        spent = value_in_token1(position.amount0, position.amount1, pool.sqrt_price_x96)
        assert 0 <= position.value - spent <= 3 * (1 + raw_price + isqrt(raw_price))


@settings(max_examples=300, deadline=None)
@given(tick=st.integers(-800_000, 800_000), spacing=st.sampled_from([1, 10, 60, 200]))
def test_an_aligned_tick_to_price_and_back_is_the_same_tick(tick, spacing):
    aligned = tick // spacing * spacing
    back = tick_for_price(price_for_tick(aligned, 18, 18), 18, 18)
    assert back == aligned


@settings(max_examples=300, deadline=None)
@given(sqrt_price=st.integers(v3math.MIN_SQRT_RATIO, v3math.MAX_SQRT_RATIO - 1))
def test_tick_at_sqrt_ratio_is_the_greatest_tick_at_or_below_the_price(sqrt_price):
    tick = v3math.tick_at_sqrt_ratio(sqrt_price)
    assert v3math.sqrt_ratio_at_tick(tick) <= sqrt_price
    assert tick == v3math.MAX_TICK or v3math.sqrt_ratio_at_tick(tick + 1) > sqrt_price
