"""Reads of how far the followers are: for the readiness probe and the jobs API's staleness headers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from apps.indexer.models import ChainCursor, IndexedBlock


@dataclass(frozen=True)
class Position:
    cursor: str
    block_number: int | None  # every block up to this one is indexed; None before the first batch
    block_timestamp: int | None  # unix seconds of that block
    checked_at: dt.datetime | None  # last run that reached the node
    node_down_since: dt.datetime | None
    node_error: str


def _positions(**filters: str) -> list[Position]:
    block_time = IndexedBlock.objects.filter(number=OuterRef("block_number")).values("timestamp")[:1]
    rows = (
        ChainCursor.objects.filter(**filters)
        .annotate(block_timestamp=Subquery(block_time))
        .order_by("name")
        .values_list("name", "block_number", "block_timestamp", "checked_at", "node_down_since", "node_error")
    )
    return [Position(*row) for row in rows]


def indexer_positions() -> list[Position]:
    """Every follower's position, one query."""
    return _positions()


def indexer_position(cursor_name: str) -> Position | None:
    """One follower's position with its block's time, one query; None before it first ran."""
    found = _positions(name=cursor_name)
    return found[0] if found else None
