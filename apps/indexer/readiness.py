"""The chain node's readiness check, reporting how far behind its head each follower is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from apps.core.fields import iso_z
from apps.core.probes import NotReady
from apps.indexer.rpc import NODE_ERRORS, Head, describe_node_error, node_head
from apps.indexer.selectors import Position, indexer_positions


def _at(timestamp: int | None) -> str | None:
    return None if timestamp is None else iso_z(dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))


def lag(position: Position, head: Head | None) -> dict[str, Any]:
    """Where a follower is, and how far behind the head: in blocks, and in the chain's seconds
    between its block and the head's (0 when caught up, however old the head itself is)."""
    behind = head is not None and position.block_number is not None
    since_run = None if position.checked_at is None else (timezone.now() - position.checked_at).total_seconds()
    return {
        "indexedBlock": position.block_number,
        "indexedBlockAt": _at(position.block_timestamp),
        "lagBlocks": max(head.number - position.block_number, 0) if behind else None,
        "lagSeconds": (
            max(head.timestamp - position.block_timestamp, 0) if behind and position.block_timestamp else None
        ),
        "lastRunAt": iso_z(position.checked_at),
        "secondsSinceLastRun": None if since_run is None else int(since_run),
        "nodeDownSince": iso_z(position.node_down_since),
    }


def chain_node_check() -> dict[str, Any]:
    """Ready when the node answers; the details name its head and every follower's lag."""
    try:
        positions = indexer_positions()
    except DatabaseError:
        positions = []  # the database check reports that; the node is still worth asking
    try:
        head = node_head()
    except NODE_ERRORS as exc:
        indexer = {p.cursor: lag(p, None) for p in positions}
        raise NotReady(describe_node_error(exc), details={"indexer": indexer}) from exc
    return {
        "headBlock": head.number,
        "headBlockAt": _at(head.timestamp),
        "indexer": {p.cursor: lag(p, head) for p in positions},
    }
