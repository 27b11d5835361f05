"""What every chain follower shares: one runner per cursor (a row lock), and a node outage
recorded in the cursor row, logged once as it starts and once as it ends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.indexer.models import ChainCursor
from apps.indexer.rpc import NODE_ERRORS, describe_node_error

CURSOR_HELD = "another runner holds the cursor"


class _Step(Protocol):
    skipped: str


StepResult = TypeVar("StepResult", bound=_Step)


def run_step(
    cursor_name: str, step: Callable[[], StepResult], skipped: Callable[[str], StepResult], *, log: logging.Logger
) -> StepResult:
    """One follower run under `cursor_name`. A node that does not answer is a state, not an
    error: the run writes nothing, the cursor records since when the node is down (logged once,
    as it goes down and as it comes back), and `skipped(reason)` says why it did nothing."""
    ChainCursor.objects.get_or_create(name=cursor_name)
    try:
        result = step()
    except NODE_ERRORS as exc:
        reason = describe_node_error(exc)
        node_went_down(cursor_name, reason, log=log)
        return skipped(f"chain node unreachable: {reason}")
    if result.skipped != CURSOR_HELD:
        node_answered(cursor_name, log=log)
    return result


def lock_cursor(name: str) -> ChainCursor | None:
    """The cursor row, locked for this transaction; None while another runner holds it.

    PostgreSQL: a row lock taken without waiting. SQLite: write transactions already run one
    at a time (IMMEDIATE), so a second runner waits its turn and then reads the moved cursor.
    """
    try:
        with transaction.atomic():
            return ChainCursor.objects.select_for_update(nowait=connection.vendor == "postgresql").get(name=name)
    except DatabaseError:
        return None


def node_went_down(cursor_name: str, reason: str, *, log: logging.Logger) -> None:
    # A conditional UPDATE: of runners that meet the same outage, exactly one logs it.
    went_down = ChainCursor.objects.filter(name=cursor_name, node_down_since__isnull=True).update(
        node_down_since=timezone.now(), node_error=reason[:200]
    )
    if went_down:
        at = ChainCursor.objects.filter(name=cursor_name).values_list("block_number", flat=True).first()
        where = "before its first block" if at is None else f"at block {at}"
        log.warning("Chain node unreachable (%s): %s stays %s until it answers.", reason, cursor_name, where)


def node_answered(cursor_name: str, *, log: logging.Logger) -> None:
    now = timezone.now()
    down_since = ChainCursor.objects.filter(name=cursor_name).values_list("node_down_since", flat=True).first()
    if down_since is None:
        ChainCursor.objects.filter(name=cursor_name).update(checked_at=now)
        return
    came_back = ChainCursor.objects.filter(name=cursor_name, node_down_since__isnull=False).update(
        node_down_since=None, node_error="", checked_at=now
    )
    if came_back:
        log.warning(
            "Chain node answers again after %ds down: %s resumes indexing.",
            (now - down_since).total_seconds(),
            cursor_name,
        )
