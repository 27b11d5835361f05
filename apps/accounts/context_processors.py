"""What every page needs to know about the signed-in user's powers."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.permissions import VIEWER_MESSAGE, may_trade


def trading_powers(request: HttpRequest) -> dict[str, object]:
    """`can_trade` hides or disables write controls a viewer could not use, and
    `read_only_reason` is the line that says why (templates/_read_only_notice.html)."""
    return {"can_trade": may_trade(getattr(request, "user", None)), "read_only_reason": VIEWER_MESSAGE}
