"""The droid's ladder: which tick ranges it holds, how much goes into each, and when to move it.

A pure module: no database, no network, no clock. Everything on the chain's side is integer
(ticks, Q64.96 square-root prices, raw token units, liquidity, via `apps.droids.v3math`);
human prices are Decimal, token1 per token0 in whole units, in a local 60-digit context.

The ladder (`plan_ladder`):
1. Bounds. The price range is [min_price * (1 + margin), max_price * (1 - margin)]
   (`ladder_perc_margin` pulls both ends inward). Its ends become ticks, the lower rounded up
   and the upper rounded down to the pool's tick spacing, so every range stays inside the
   bounds. Bounds narrower than one spacing (or crossed by the margin) are a `LadderError`.
2. Buckets. `tick_buckets` equal buckets, each `width` ticks wide, where width is the span
   divided by tick_buckets rounded down to a multiple of the spacing (at least one spacing).
   `bucket_offset` shifts the grid up by that many tick spacings, modulo the width (an offset
   of one whole bucket is no shift); buckets pushed past the upper bound are dropped, so an
   offset may leave one bucket fewer. Buckets never overlap: each starts where the last ends.
3. Selection. At most `max_bots` buckets: the ones nearest the current tick (distance 0 for
   the bucket holding it, lower_tick - tick above, tick - upper_tick + 1 below; ties go to the
   lower bucket), so the held buckets are contiguous around the price.
4. Funding. `funding` is a value in raw token1 units. Each selected bucket gets an integer
   weight by its distance d (in buckets) from the bucket nearest the price, D being the
   largest d: FLAT 1; LINEAR D + 1 - d; GAUSSIAN the binomial C(2(D+1), D+1+d) (a normal
   curve in integers). Its share is funding * weight // total weight, and the remainder of
   the rounding goes to the bucket nearest the price, so the shares (`value`) sum exactly to
   `funding`.
5. Amounts, as a position at the current price holds them: a bucket wholly below the price
   holds its share in token1 only, one wholly above in token0 only (its share converted at
   the pool price, rounded down), and the one holding the price both, in the proportion its
   range needs (amounts from the liquidity the share buys, rounded down). `liquidity` is what
   the position manager will compute for those amounts (LiquidityAmounts.getLiquidityForAmounts),
   so minting them at this price mints exactly it. Rounding only ever leaves value unspent.

Rebalancing (`should_rebalance`), on a reference price: the spot price for the PRICE trigger,
the EMA (`next_ema`, alpha EMA_ALPHA per run) for the EMA trigger. It fires when both hold:
- the reference is beyond the ladder by its trigger: below lower_edge * (1 - falling_trigger)
  ("falling") or above upper_edge * (1 + rising_trigger) ("rising"), the edges being the
  prices at the lowest tick_lower and highest tick_upper the droid holds;
- the reference has moved at least `derivative_threshold` (a fraction) from the price at the
  last mint or rebalance: smaller moves do not count, so a ladder placed at the edge of its
  bounds is not churned by noise.
Otherwise it does not fire, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext
from fractions import Fraction
from math import comb, isqrt

from apps.droids import v3math

CURVES = ("FLAT", "LINEAR", "GAUSSIAN")
EMA_ALPHA = Decimal("0.2")


class LadderError(ValueError):
    """A droid configuration that cannot make a ladder (its message says which setting)."""


@dataclass(frozen=True)
class LadderConfig:
    tick_buckets: int
    bucket_offset: int
    funding_curve: str  # one of CURVES
    max_bots: int
    min_price: Decimal
    max_price: Decimal
    ladder_perc_margin: Decimal


@dataclass(frozen=True)
class PoolState:
    sqrt_price_x96: int
    tick: int
    tick_spacing: int
    token0_decimals: int
    token1_decimals: int


@dataclass(frozen=True)
class PlannedPosition:
    tick_lower: int
    tick_upper: int
    amount0: int
    amount1: int
    liquidity: int
    value: int  # this bucket's share of the funding, raw token1 units


@dataclass(frozen=True)
class RebalanceDecision:
    fire: bool
    reason: str


def _context(rounding: str) -> Context:
    return Context(prec=60, rounding=rounding)


# --- prices and ticks ------------------------------------------------------------------------


def sqrt_price_for(price: Decimal, token0_decimals: int, token1_decimals: int) -> int:
    """The Q64.96 square root of `price` (whole token1 per whole token0), rounded down."""
    if price <= 0:
        raise LadderError("a price must be above zero")
    raw = Fraction(price) * 10**token1_decimals / 10**token0_decimals
    return isqrt(raw.numerator * v3math.Q192 // raw.denominator)


def price_for_sqrt(sqrt_price_x96: int, token0_decimals: int, token1_decimals: int, rounding=ROUND_FLOOR) -> Decimal:
    """Whole token1 per whole token0 at a Q64.96 square-root price."""
    with localcontext(_context(rounding)):
        numerator = Decimal(sqrt_price_x96 * sqrt_price_x96) * Decimal(10) ** token0_decimals
        return numerator / (Decimal(v3math.Q192) * Decimal(10) ** token1_decimals)


def tick_for_price(price: Decimal, token0_decimals: int, token1_decimals: int) -> int:
    """The tick whose range holds `price` (the greatest tick at or below it), clamped to TickMath's range."""
    sqrt_price = sqrt_price_for(price, token0_decimals, token1_decimals)
    sqrt_price = min(max(sqrt_price, v3math.MIN_SQRT_RATIO), v3math.MAX_SQRT_RATIO - 1)
    return v3math.tick_at_sqrt_ratio(sqrt_price)


def price_for_tick(tick: int, token0_decimals: int, token1_decimals: int) -> Decimal:
    # Rounded up, as TickMath rounds the square root up: tick_for_price gives the tick back.
    return price_for_sqrt(v3math.sqrt_ratio_at_tick(tick), token0_decimals, token1_decimals, ROUND_CEILING)


def align_down(tick: int, spacing: int) -> int:
    return tick // spacing * spacing


def align_up(tick: int, spacing: int) -> int:
    return -(-tick // spacing) * spacing


# --- the ladder ------------------------------------------------------------------------------


def tick_bounds(config: LadderConfig, pool: PoolState) -> tuple[int, int]:
    """The aligned ticks the ladder must stay within (rule 1)."""
    if config.min_price <= 0 or config.max_price <= config.min_price:
        raise LadderError("min price must be above zero and below max price")
    if not 0 <= config.ladder_perc_margin < Decimal("0.5"):
        raise LadderError("ladder margin must be at least 0 and below 0.5")
    with localcontext(_context(ROUND_FLOOR)):
        low_price = config.min_price * (1 + config.ladder_perc_margin)
        high_price = config.max_price * (1 - config.ladder_perc_margin)
    decimals = (pool.token0_decimals, pool.token1_decimals)
    spacing = pool.tick_spacing
    low = max(align_up(tick_for_price(low_price, *decimals), spacing), align_up(v3math.MIN_TICK, spacing))
    high = min(align_down(tick_for_price(high_price, *decimals), spacing), align_down(v3math.MAX_TICK, spacing))
    if high - low < spacing:
        raise LadderError("the price bounds, after the margin, are narrower than one tick spacing")
    return low, high


def buckets(config: LadderConfig, pool: PoolState) -> list[tuple[int, int]]:
    """Every bucket of the grid (rule 2), lowest first."""
    if config.tick_buckets < 1:
        raise LadderError("tick buckets must be at least 1")
    low, high = tick_bounds(config, pool)
    spacing = pool.tick_spacing
    width = max(1, (high - low) // spacing // config.tick_buckets) * spacing
    start = low + (config.bucket_offset * spacing) % width
    edges = []
    for index in range(config.tick_buckets):
        lower = start + index * width
        if lower + width > high:
            break
        edges.append((lower, lower + width))
    if not edges:
        raise LadderError("the bucket offset leaves no bucket inside the price bounds")
    return edges


def _distance(bucket: tuple[int, int], tick: int) -> int:
    lower, upper = bucket
    if tick < lower:
        return lower - tick
    if tick >= upper:
        return tick - upper + 1
    return 0


def select_buckets(edges: list[tuple[int, int]], tick: int, max_bots: int) -> list[tuple[int, int]]:
    """The `max_bots` buckets nearest `tick` (rule 3), lowest first."""
    if max_bots < 1:
        raise LadderError("max bots must be at least 1")
    nearest = sorted(edges, key=lambda bucket: (_distance(bucket, tick), bucket[0]))[:max_bots]
    return sorted(nearest)


def curve_weights(curve: str, distances: list[int]) -> list[int]:
    """Integer weights by distance (in buckets) from the bucket nearest the price (rule 4)."""
    widest = max(distances)
    if curve == "FLAT":
        return [1 for _ in distances]
    if curve == "LINEAR":
        return [widest + 1 - d for d in distances]
    if curve == "GAUSSIAN":
        return [comb(2 * (widest + 1), widest + 1 + d) for d in distances]
    raise LadderError(f"unknown funding curve {curve!r}; use one of {', '.join(CURVES)}")


def allocate(funding: int, weights: list[int], nearest: int) -> list[int]:
    """`funding` split by `weights`, the rounding remainder to index `nearest`; sums to `funding`."""
    if funding < 0:
        raise LadderError("funding must not be negative")
    total = sum(weights)
    shares = [funding * weight // total for weight in weights]
    shares[nearest] += funding - sum(shares)
    return shares


def position_for_value(value: int, tick_lower: int, tick_upper: int, sqrt_price: int) -> PlannedPosition:
    """The amounts worth `value` (raw token1) in [tick_lower, tick_upper) at `sqrt_price` (rule 5)."""
    sqrt_a = v3math.sqrt_ratio_at_tick(tick_lower)
    sqrt_b = v3math.sqrt_ratio_at_tick(tick_upper)
    if sqrt_price <= sqrt_a:
        amount0, amount1 = v3math.token1_in_token0(value, sqrt_price), 0
    elif sqrt_price >= sqrt_b:
        amount0, amount1 = 0, value
    else:
        # value = L * ((sb - sp) * sp / sb + (sp - sa)) / Q96, solved for L.
        denominator = (sqrt_b - sqrt_price) * sqrt_price + (sqrt_price - sqrt_a) * sqrt_b
        liquidity = value * v3math.Q96 * sqrt_b // denominator
        amount0, amount1 = v3math.amounts_for_liquidity(sqrt_price, sqrt_a, sqrt_b, liquidity)
    liquidity = v3math.liquidity_for_amounts(sqrt_price, sqrt_a, sqrt_b, amount0, amount1)
    return PlannedPosition(tick_lower, tick_upper, amount0, amount1, liquidity, value)


def plan_ladder(config: LadderConfig, pool: PoolState, funding: int) -> list[PlannedPosition]:
    """The positions to hold (rules 1-5), lowest first; `funding` in raw token1 units."""
    selected = select_buckets(buckets(config, pool), pool.tick, config.max_bots)
    nearest = min(range(len(selected)), key=lambda i: (_distance(selected[i], pool.tick), selected[i][0]))
    distances = [abs(index - nearest) for index in range(len(selected))]
    shares = allocate(funding, curve_weights(config.funding_curve, distances), nearest)
    return [
        position_for_value(share, lower, upper, pool.sqrt_price_x96)
        for (lower, upper), share in zip(selected, shares, strict=True)
    ]


def value_in_token1(amount0: int, amount1: int, sqrt_price: int) -> int:
    return amount1 + v3math.token0_in_token1(amount0, sqrt_price)


# --- rebalancing -----------------------------------------------------------------------------


def next_ema(previous: Decimal | None, price: Decimal) -> Decimal:
    """The EMA after one more run at `price` (the first run starts it at the price)."""
    if previous is None:
        return price
    with localcontext(_context(ROUND_FLOOR)):
        return previous + EMA_ALPHA * (price - previous)


def should_rebalance(
    *,
    reference: Decimal,
    lower_edge: Decimal,
    upper_edge: Decimal,
    falling_trigger: Decimal,
    rising_trigger: Decimal,
    derivative_threshold: Decimal,
    anchor: Decimal | None,
) -> RebalanceDecision:
    """The rebalance rule of the module docstring. `reference` is the spot or EMA price, the
    edges are the held ladder's end prices, `anchor` the price at the last mint or rebalance
    (None: unknown, so any move counts)."""
    with localcontext(_context(ROUND_FLOOR)):
        if reference < lower_edge * (1 - falling_trigger):
            side = "falling"
        elif reference > upper_edge * (1 + rising_trigger):
            side = "rising"
        else:
            return RebalanceDecision(False, f"price {reference:.6g} within the ladder's triggers")
        if anchor is not None and anchor > 0:
            move = abs(reference - anchor) / anchor
            if move < derivative_threshold:
                return RebalanceDecision(
                    False, f"{side} trigger, but a move of {move:.4%} is under the derivative threshold"
                )
    return RebalanceDecision(True, f"{side} trigger at price {reference:.6g}")
