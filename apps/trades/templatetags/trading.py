"""Template filters of the trading pages: amounts as people write them."""

from __future__ import annotations

import contextlib
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django import template

register = template.Library()

EMPTY = "—"


@register.filter
def amount(value: object, places: object = None) -> str:
    """`50000.000000000000000000` -> `50000`, `0.250` -> `0.25`; None -> an em dash.

    The columns hold 18 decimal places; a trader reads the significant ones, never an exponent.
    `|amount:8` cuts a computed value (a size limit worked out to 60 digits) to 8 decimals,
    rounding down, as the decision loop's own messages do.
    """
    if value is None or value == "":
        return EMPTY
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(number)
    if places not in (None, ""):
        with contextlib.suppress(InvalidOperation, ValueError):
            number = number.quantize(Decimal(1).scaleb(-int(str(places))), rounding=ROUND_DOWN)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def role_label(order: object) -> str:
    """`Entry`, `Stop-loss`, `Target 2` for an Order row."""
    role = getattr(order, "role", "")
    if role == "TAKE_PROFIT":
        index = getattr(order, "target_index", None)
        return f"Target {index + 1}" if index is not None else "Target"
    return {"ENTRY": "Entry", "STOP_LOSS": "Stop-loss", "STANDALONE": "Order"}.get(role, str(role).title())
