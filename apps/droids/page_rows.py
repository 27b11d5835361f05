"""What the droid pages show, built from the rows: the ladder of positions against the price
(drawn as an inline SVG on the server: no script needed, nothing for the CSP to refuse), the
history chart's points, and the state buttons a user may press.

Positions' raw amounts become whole tokens with the pool's decimals; prices read as the trader
reads them (apps/droids/pricing.py: USDC per WETH), as the engine records them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from apps.accounts.models import Role
from apps.accounts.permissions import may_trade
from apps.droids.ladder import price_for_tick
from apps.droids.models import BotStatus, Droid, DroidActive, DroidBot, DroidHistory, DroidPool, DroidRun
from apps.droids.pricing import price_unit, trader_price

# The SVG's coordinate box; the browser scales it to the card's width.
WIDTH, BAR_TOP, BAR_HEIGHT, AXIS_Y = 1000, 40, 90, 150
PAD = 0.04


def significant(value: Decimal | None, digits: int = 6) -> str:
    """A price or a token amount to `digits` significant digits (`2950.12`, `0.000338983`), grouped by
    thousands: prices from ticks carry dozens of decimals nobody reads."""
    if value is None:
        return "—"
    number = Decimal(value)
    if number == 0:
        return "0"
    places = max(digits - number.adjusted() - 1, 0)
    text = f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def whole(raw: int | Decimal, decimals: int) -> Decimal:
    return (Decimal(int(raw)) / Decimal(10) ** decimals).normalize()


@dataclass(frozen=True)
class Rung:
    bot: DroidBot
    price_lower: Decimal
    price_upper: Decimal
    amount0: Decimal
    amount1: Decimal
    fees0: Decimal
    fees1: Decimal
    holds_price: bool
    # SVG geometry, in the box's units.
    x: float = 0.0
    width: float = 0.0


@dataclass(frozen=True)
class Ladder:
    rungs: list[Rung]
    price: Decimal | None
    unit: str
    low: Decimal | None = None
    high: Decimal | None = None
    price_x: float | None = None
    width: int = WIDTH

    @property
    def bottom(self) -> Decimal | None:
        return self.rungs[0].price_lower if self.rungs else None

    @property
    def top(self) -> Decimal | None:
        return max(rung.price_upper for rung in self.rungs) if self.rungs else None

    @property
    def in_range(self) -> bool:
        return any(rung.holds_price for rung in self.rungs)


def current_price(droid: Droid) -> Decimal | None:
    """The pool price the engine saw last: the latest run that read it, else the latest history."""
    run = DroidRun.objects.filter(droid=droid, price__isnull=False).order_by("-ran_at", "-id").first()
    if run is not None:
        return run.price
    latest = DroidHistory.objects.filter(droid=droid).order_by("-time_stamp", "-id").first()
    return latest.price if latest else None


def latest_pool_price(pool: DroidPool) -> Decimal | None:
    """The price any droid's run last read on `pool` (no chain read: a form page never waits for the node)."""
    run = DroidRun.objects.filter(droid__pool=pool, price__isnull=False).order_by("-ran_at", "-id").first()
    return run.price if run else None


def _scale(value: Decimal, low: Decimal, high: Decimal) -> float:
    return round(float((value - low) / (high - low)) * WIDTH, 2)


def ladder(droid: Droid, *, price: Decimal | None) -> Ladder:
    """The droid's open positions as price ranges, scaled between the lowest and highest of
    their bounds, the configured range and the price, with a little room either side."""
    pool = droid.pool
    unit = price_unit(pool)
    bots = list(DroidBot.objects.filter(droid=droid, status=BotStatus.ACTIVE).order_by("tick_lower", "id"))
    plain = []
    for bot in bots:
        lower, upper = sorted(
            trader_price(pool, price_for_tick(tick, pool.token0_decimals, pool.token1_decimals))
            for tick in (bot.tick_lower, bot.tick_upper)
        )
        plain.append((bot, lower, upper))
    plain.sort(key=lambda rung: rung[1])
    if not plain:
        return Ladder(rungs=[], price=price, unit=unit)
    edges = [value for _, lower, upper in plain for value in (lower, upper)]
    if price is not None:
        edges.append(price)
    span = max(edges) - min(edges) or max(edges) or Decimal(1)
    low, high = min(edges) - span * Decimal(PAD), max(edges) + span * Decimal(PAD)
    rungs = [
        Rung(
            bot=bot,
            price_lower=lower,
            price_upper=upper,
            amount0=whole(bot.amount0, pool.token0_decimals),
            amount1=whole(bot.amount1, pool.token1_decimals),
            fees0=whole(bot.fees0, pool.token0_decimals),
            fees1=whole(bot.fees1, pool.token1_decimals),
            holds_price=price is not None and lower <= price < upper,
            x=_scale(lower, low, high),
            width=max(_scale(upper, low, high) - _scale(lower, low, high), 1.0),
        )
        for bot, lower, upper in plain
    ]
    return Ladder(
        rungs=rungs,
        price=price,
        unit=unit,
        low=low,
        high=high,
        price_x=_scale(price, low, high) if price is not None else None,
    )


def plain(value: Decimal) -> str:
    """Digits as people write them: `1.25`, `0` (never `0E-18` or `5E+3`)."""
    return f"{value.normalize():f}"


def history_points(rows: list[DroidHistory]) -> list[dict[str, Any]]:
    """Oldest first, as the chart draws them: UTC seconds and the values as decimal strings."""
    return [
        {
            "time": int(row.time_stamp.timestamp()),
            "aum": plain(row.aum),
            "fees": plain(row.fees_usd),
            "price": plain(row.price),
        }
        for row in sorted(rows, key=lambda row: (row.time_stamp, row.id))
    ]


@dataclass(frozen=True)
class StateButton:
    active: int
    label: str
    tone: str
    allowed: bool
    why_not: str = ""
    # Asked before a change that cannot be taken back.
    confirm: str = ""
    # Refused for the user's role: the page says why once, under the buttons (ADMIN_ONLY).
    admin_only: bool = False


ADMIN_ONLY = "Only admins reset a droid or close it."


def state_buttons(droid: Droid, user: Any) -> list[StateButton]:
    """Start and Pause for operators and admins, Reset and Close for admins; each disabled, with
    the reason, when the droid's state or the user's role does not allow it. None for a viewer
    (the page says why) or a closed droid (closing is final)."""
    if not may_trade(user) or droid.active == DroidActive.CLOSED:
        return []
    admin = user.role == Role.ADMIN
    state = droid.active
    live = state in (DroidActive.PAUSED, DroidActive.RUNNING)
    return [
        StateButton(
            DroidActive.RUNNING,
            "Start",
            "primary-inline",
            state != DroidActive.RUNNING,
            "It is running." if state == DroidActive.RUNNING else "",
        ),
        StateButton(
            DroidActive.PAUSED,
            "Pause",
            "",
            state != DroidActive.PAUSED,
            "It is paused." if state == DroidActive.PAUSED else "",
        ),
        StateButton(
            DroidActive.RESET,
            "Reset",
            "",
            admin and live,
            "It is already reset." if admin and not live else "",
            "Take down every position of this droid? It then waits to be started.",
            admin_only=not admin,
        ),
        StateButton(
            DroidActive.CLOSED,
            "Close all positions and stop",
            "danger",
            admin and live,
            "Start or pause it first." if admin and not live else "",
            "Take down every position and stop this droid for good? Closing is final.",
            admin_only=not admin,
        ),
    ]
