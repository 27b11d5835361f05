from __future__ import annotations

from decimal import Decimal

from django import template

from apps.droids.models import RunOutcome
from apps.droids.page_rows import significant

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
    return significant(value, digits)
