"""A droid's prices read as a trader reads them (USDC per WETH), whichever token the pool orders first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.droids.models import DroidPool
from apps.droids.pricing import inverted, pool_bounds, price_unit, trader_price


def pool(token0: str, token1: str) -> DroidPool:
    return DroidPool(token0_symbol=token0, token1_symbol=token1, token0_decimals=6, token1_decimals=18)


@pytest.mark.parametrize(
    ("token0", "token1", "unit", "flipped"),
    [
        ("USDC", "WETH", "USDC per WETH", True),  # mainnet's USDC/WETH pool, the seed's example
        ("WETH", "USDC", "USDC per WETH", False),
        ("WBTC", "WETH", "WETH per WBTC", False),  # no stablecoin: token1 per token0
        ("DAI", "USDC", "USDC per DAI", False),  # both stable: the pool's own
    ],
)
def test_the_unit_is_the_stablecoin_per_the_other_token(token0, token1, unit, flipped):
    assert price_unit(pool(token0, token1)) == unit
    assert inverted(pool(token0, token1)) is flipped


def test_a_usdc_token0_pools_price_and_bounds_are_turned_round():
    usdc_first = pool("USDC", "WETH")

    assert trader_price(usdc_first, Decimal(1) / Decimal(3000)) == Decimal(3000)
    low, high = pool_bounds(usdc_first, Decimal(2500), Decimal(4000))
    assert (low, high) == (Decimal(1) / Decimal(4000), Decimal(1) / Decimal(2500))
    assert low < high


def test_a_weth_token0_pools_price_is_the_pools_own():
    assert trader_price(pool("WETH", "USDC"), Decimal(3000)) == Decimal(3000)
    assert pool_bounds(pool("WETH", "USDC"), Decimal(2500), Decimal(4000)) == (Decimal(2500), Decimal(4000))
