from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def short_hex(value: str | None, keep: int = 6) -> str:
    """`0x1234ab…9f3e`: enough of an address or hash to tell it apart in a table; the full text
    goes in the link's title and on its own page."""
    if not value:
        return ""
    text = str(value)
    return text if len(text) <= 2 + 2 * keep else f"{text[: 2 + keep]}…{text[-keep:]}"


@register.filter
def usd(value: Decimal | None) -> str:
    """A cent-rounded USD amount with thousands separators; an em dash when there is no price."""
    if value is None:
        return "—"
    return f"{value:,.2f} USD"
