"""Uniswap v3's integer math, ported from the Solidity to Python ints so the engine plans with
the numbers the contracts will compute (never a float).

- `sqrt_ratio_at_tick`: v3-core TickMath.getSqrtRatioAtTick, constant for constant.
- `tick_at_sqrt_ratio`: TickMath.getTickAtSqrtRatio's contract, "the greatest tick whose
  sqrt ratio is <= the input", found by bisection over `sqrt_ratio_at_tick` (monotone), which
  gives the same tick as the contract's log2 approximation without porting its assembly.
- `liquidity_for_amounts` / `amounts_for_liquidity`: v3-periphery LiquidityAmounts, which the
  NonfungiblePositionManager uses to turn desired amounts into liquidity (rounding down), and
  which equal the pool's burn amounts (SqrtPriceMath.getAmount{0,1}Delta rounded down).

Prices are Q64.96 square roots of token1 raw units per token0 raw unit, as in slot0.
"""

from __future__ import annotations

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342
Q96 = 1 << 96
Q192 = 1 << 192
MAX_UINT256 = (1 << 256) - 1
MAX_UINT128 = (1 << 128) - 1

# TickMath's magic numbers: 2**128 / sqrt(1.0001) ** (2 ** i), for bits 1..19 of |tick|.
_RATIOS = (
    (0x2, 0xFFF97272373D413259A46990580E213A),
    (0x4, 0xFFF2E50F5F656932EF12357CF3C7FDCC),
    (0x8, 0xFFE5CACA7E10E4E61C3624EAA0941CD0),
    (0x10, 0xFFCB9843D60F6159C9DB58835C926644),
    (0x20, 0xFF973B41FA98C081472E6896DFB254C0),
    (0x40, 0xFF2EA16466C96A3843EC78B326B52861),
    (0x80, 0xFE5DEE046A99A2A811C461F1969C3053),
    (0x100, 0xFCBE86C7900A88AEDCFFC83B479AA3A4),
    (0x200, 0xF987A7253AC413176F2B074CF7815E54),
    (0x400, 0xF3392B0822B70005940C7A398E4B70F3),
    (0x800, 0xE7159475A2C29B7443B29C7FA6E889D9),
    (0x1000, 0xD097F3BDFD2022B8845AD8F792AA5825),
    (0x2000, 0xA9F746462D870FDF8A65DC1F90E061E5),
    (0x4000, 0x70D869A156D2A1B890BB3DF62BAF32F7),
    (0x8000, 0x31BE135F97D08FD981231505542FCFA6),
    (0x10000, 0x9AA508B5B7A84E1C677DE54F3E99BC9),
    (0x20000, 0x5D6AF8DEDB81196699C329225EE604),
    (0x40000, 0x2216E584F5FA1EA926041BEDFE98),
    (0x80000, 0x48A170391F7DC42444E8FA2),
)


class MathError(ValueError):
    """An input the contracts would revert on (a tick or price out of range, a uint128 overflow)."""


def sqrt_ratio_at_tick(tick: int) -> int:
    abs_tick = abs(tick)
    if abs_tick > MAX_TICK:
        raise MathError(f"tick {tick} is outside [{MIN_TICK}, {MAX_TICK}]")
    ratio = 0xFFFCB933BD6FAD37AA2D162D1A594001 if abs_tick & 0x1 else 1 << 128
    for bit, factor in _RATIOS:
        if abs_tick & bit:
            ratio = (ratio * factor) >> 128
    if tick > 0:
        ratio = MAX_UINT256 // ratio
    # Q128.128 -> Q64.96 rounding up, so tick_at_sqrt_ratio of the result is consistent.
    return (ratio >> 32) + (0 if ratio % (1 << 32) == 0 else 1)


def tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise MathError("sqrt price is outside the range TickMath accepts")
    low, high = MIN_TICK, MAX_TICK
    while low < high:  # invariant: sqrt_ratio_at_tick(low) <= sqrt_price_x96
        middle = (low + high + 1) // 2
        if sqrt_ratio_at_tick(middle) <= sqrt_price_x96:
            low = middle
        else:
            high = middle - 1
    return low


def mul_div(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDiv: floor(a * b / denominator) with a full-width product."""
    result = a * b // denominator
    if result > MAX_UINT256:
        raise MathError("mulDiv overflows uint256")
    return result


def _to_uint128(value: int) -> int:
    if value > MAX_UINT128:
        raise MathError("liquidity overflows uint128")
    return value


def _ordered(sqrt_a: int, sqrt_b: int) -> tuple[int, int]:
    return (sqrt_a, sqrt_b) if sqrt_a <= sqrt_b else (sqrt_b, sqrt_a)


def liquidity_for_amount0(sqrt_a: int, sqrt_b: int, amount0: int) -> int:
    sqrt_a, sqrt_b = _ordered(sqrt_a, sqrt_b)
    intermediate = mul_div(sqrt_a, sqrt_b, Q96)
    return _to_uint128(mul_div(amount0, intermediate, sqrt_b - sqrt_a))


def liquidity_for_amount1(sqrt_a: int, sqrt_b: int, amount1: int) -> int:
    sqrt_a, sqrt_b = _ordered(sqrt_a, sqrt_b)
    return _to_uint128(mul_div(amount1, Q96, sqrt_b - sqrt_a))


def liquidity_for_amounts(sqrt_price: int, sqrt_a: int, sqrt_b: int, amount0: int, amount1: int) -> int:
    """The most liquidity `amount0` and `amount1` can provide in [sqrt_a, sqrt_b) at `sqrt_price`."""
    sqrt_a, sqrt_b = _ordered(sqrt_a, sqrt_b)
    if sqrt_price <= sqrt_a:
        return liquidity_for_amount0(sqrt_a, sqrt_b, amount0)
    if sqrt_price < sqrt_b:
        return min(
            liquidity_for_amount0(sqrt_price, sqrt_b, amount0), liquidity_for_amount1(sqrt_a, sqrt_price, amount1)
        )
    return liquidity_for_amount1(sqrt_a, sqrt_b, amount1)


def amount0_for_liquidity(sqrt_a: int, sqrt_b: int, liquidity: int) -> int:
    sqrt_a, sqrt_b = _ordered(sqrt_a, sqrt_b)
    return mul_div(liquidity << 96, sqrt_b - sqrt_a, sqrt_b) // sqrt_a


def amount1_for_liquidity(sqrt_a: int, sqrt_b: int, liquidity: int) -> int:
    sqrt_a, sqrt_b = _ordered(sqrt_a, sqrt_b)
    return mul_div(liquidity, sqrt_b - sqrt_a, Q96)


def amounts_for_liquidity(sqrt_price: int, sqrt_a: int, sqrt_b: int, liquidity: int) -> tuple[int, int]:
    """The token amounts `liquidity` in [sqrt_a, sqrt_b) is worth at `sqrt_price`, rounded down."""
    sqrt_a, sqrt_b = _ordered(sqrt_a, sqrt_b)
    if sqrt_price <= sqrt_a:
        return amount0_for_liquidity(sqrt_a, sqrt_b, liquidity), 0
    if sqrt_price < sqrt_b:
        return amount0_for_liquidity(sqrt_price, sqrt_b, liquidity), amount1_for_liquidity(
            sqrt_a, sqrt_price, liquidity
        )
    return 0, amount1_for_liquidity(sqrt_a, sqrt_b, liquidity)


def token0_in_token1(amount0: int, sqrt_price: int) -> int:
    """`amount0` raw token0 valued in raw token1 at `sqrt_price`, rounded down."""
    return amount0 * sqrt_price * sqrt_price // Q192


def token1_in_token0(amount1: int, sqrt_price: int) -> int:
    """`amount1` raw token1 valued in raw token0 at `sqrt_price`, rounded down."""
    return amount1 * Q192 // (sqrt_price * sqrt_price)
