"""Reads of trade groups and orders shared by views, pages and tasks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from apps.core.errors import ApiError
from apps.trades.models import OPEN_GROUP_STATUSES, GroupStatus, Order, TradeGroup

if TYPE_CHECKING:
    from apps.accounts.models import User

GROUP_STATUS_FILTERS = {status.lower(): (status,) for status in GroupStatus.values}


def parse_group_statuses(raw: str | None) -> tuple[str, ...] | None:
    """`?status=` as model statuses: a comma list of names (any case), `all` for every group, or
    nothing for the groups still trading (pending, open, active). An unknown name is a 400 listing the accepted ones."""
    # Spaces and tabs only, and no empty names: the grammar the API schema states as a pattern.
    if raw is None or raw.strip(" \t") == "":
        return tuple(OPEN_GROUP_STATUSES)
    names = [name.strip(" \t").lower() for name in raw.split(",")]
    unknown = [name for name in names if name not in GROUP_STATUS_FILTERS and name != "all"]
    if unknown:
        accepted = ", ".join(["all", *sorted(GROUP_STATUS_FILTERS)])
        raise ApiError(status=400, code="VALIDATION_ERROR", message=f"status: use one or more of {accepted}.")
    if "all" in names:
        return None
    return tuple(dict.fromkeys(s for name in names for s in GROUP_STATUS_FILTERS[name]))


def _with_orders(groups: QuerySet[TradeGroup]) -> QuerySet[TradeGroup]:
    orders = Order.objects.order_by("created_at", "target_index")
    return groups.prefetch_related(Prefetch("orders", queryset=orders))


def trade_groups_for(*, user: User, statuses: Iterable[str] | None) -> QuerySet[TradeGroup]:
    """The trader's groups, newest first, each with its orders (two queries, whatever the page)."""
    groups = TradeGroup.objects.filter(user=user)
    if statuses is not None:
        groups = groups.filter(status__in=list(statuses))
    return _with_orders(groups.order_by("-created_at", "-id"))


def trade_group_for(*, user: User, group_id: UUID | str) -> TradeGroup:
    """The trader's group with its orders, or a 404 that does not say whether another owns it."""
    try:
        return _with_orders(TradeGroup.objects.filter(user=user)).get(id=group_id)
    except (TradeGroup.DoesNotExist, ValidationError, ValueError, TypeError):
        raise ApiError(status=404, code="TRADE_NOT_FOUND", message="Trade group not found.") from None
