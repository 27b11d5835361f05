"""The decision panel as a trader reads it: each size limit named in words with its unit
("max size by account risk 2%" 0.4514 BTC), amounts rounded to the market's precision.

The numbers are the decision loop's (`Verdict`, or the same fields as JSON once stored on a
group); only their labels and rounding are decided here. Sizes are rounded down, so a size
shown is never above the limit it comes from.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from apps.exchanges.venues.base import quote_asset
from apps.trades.models import RiskConfig
from apps.trades.pages_market import quantity_step, quote_step, shown
from apps.trades.templatetags.trading import amount

# The decision loop's size constraints, in its order, and what each needs to apply.
SIZE_LIMITS = ("account_risk", "max_risk_amount", "max_position_size", "leverage")
MISSING = {
    "account_risk": "needs a stop-loss to measure",
    "max_risk_amount": "needs a stop-loss to measure",
    "max_position_size": "no cap set",
}


def _field(verdict: Any, name: str) -> Any:
    return verdict.get(name) if isinstance(verdict, dict) else getattr(verdict, name, None)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def limit_label(name: str, config: RiskConfig | None, quote: str) -> str:
    """`max size by account risk 2%`; without the config (a stored verdict), the rule alone."""
    if name == "account_risk":
        return "max size by account risk" + (f" {amount(config.account_risk_percent)}%" if config else "")
    if name == "max_risk_amount":
        return "max size by max risk" + (f" {amount(config.max_risk_amount)} {quote}".rstrip() if config else "")
    if name == "max_position_size":
        return "max size by max position size"
    return "max size by max leverage" + (f" {config.max_leverage}x equity" if config else "")


def base_of(symbol: str) -> str:
    return symbol.removesuffix("_PERP").rsplit("_", 1)[0] if "_" in symbol else ""


def verdict_context(
    verdict: Any,
    *,
    symbol: str,
    config: RiskConfig | None = None,
    step: Decimal | None = None,
    entry_price: Any = None,
) -> dict[str, Any]:
    """What `_verdict.html` shows beside the verdict: units, rounded sizes, labelled limits.
    `step` is the market's quantity step (derived from the entry price when not given)."""
    base = base_of(symbol)
    quote = quote_asset(symbol) if "_" in symbol else ""
    step = step or quantity_step(None, _decimal(entry_price) or _decimal(_field(verdict, "entry_price")))
    limits = {name: _decimal((_field(verdict, "size_limits") or {}).get(name)) for name in SIZE_LIMITS}
    present = [value for value in limits.values() if value is not None]
    # The smallest constraint sets the maximum (the loop then rounds it down to the venue's step).
    binding = min(present) if present else None
    rows = [
        {
            "name": name,
            "label": limit_label(name, config, quote),
            "value": shown(value, step) if value is not None else None,
            "missing": MISSING.get(name, "does not apply"),
            "binding": value is not None and value == binding,
        }
        for name, value in limits.items()
    ]
    return {
        "base": base,
        "quote": quote,
        "size": shown(_field(verdict, "quantity"), step),
        "max_size": shown(_field(verdict, "max_quantity"), step),
        "risk_amount": shown(_field(verdict, "risk_amount"), quote_step(quote)),
        "size_limits": rows,
    }
