from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django import template

from apps.droids.models import RunOutcome

register = template.Library()

OUTCOMES = {
    RunOutcome.MINTED: "Minted its ladder",
    RunOutcome.REBALANCED: "Rebalanced",
    RunOutcome.IN_RANGE: "In range: nothing to do",
    RunOutcome.GAS_TOO_HIGH: "Waited: gas too high",
    RunOutcome.FAILED: "Failed",
    RunOutcome.PAUSED: "Paused",
    RunOutcome.CLOSED: "Closed its positions",
}


@register.filter
def fee_percent(fee_tier: int) -> str:
    """A Uniswap fee tier in hundredths of a basis point: 3000 -> `0.3% fee`."""
    return f"{fee_tier / 10_000:g}% fee"


@register.filter
def outcome_label(outcome: str) -> str:
    return OUTCOMES.get(outcome, outcome)


@register.filter
def sig(value: Decimal | None, digits: int = 6) -> str:
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
