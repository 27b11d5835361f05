"""The indexer's state for the status panel and /api/v1/health: read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Sum

from apps.indexer.ingest.follow import CURSOR_NAME, FOLLOW_RATE_KEY
from apps.indexer.models import BackfillRange, Block, ChainCursor
from apps.indexer.rpc import NODE_ERRORS, describe_node_error, node_head

RECENT_RANGES = 20


def chain_position(*, cursor_name: str = CURSOR_NAME) -> dict[str, Any]:
    """Where the index stands against the chain, for /api/v1/health and the pages: the chain tip
    (asked of the node now; None when it does not answer, with `node_error` saying why), the
    follower's last indexed block (every block up to it is indexed) and its time, and the lag.

    `lag_seconds` is the tip's timestamp minus the last indexed block's (how far behind the
    chain the index is in chain time; 0 when caught up); `lag_blocks` likewise in blocks."""
    try:
        head = node_head()
        tip, tip_time, node_error = head.number, head.timestamp, ""
    except NODE_ERRORS as exc:
        tip, tip_time, node_error = None, None, describe_node_error(exc)
    last = ChainCursor.objects.filter(name=cursor_name).values_list("block_number", flat=True).first()
    last_time = (
        Block.objects.filter(number=last).values_list("timestamp", flat=True).first() if last is not None else None
    )
    lag_seconds = lag_blocks = None
    if tip is not None and last is not None:
        lag_blocks = max(0, tip - last)
        if last_time is not None:
            lag_seconds = max(0, tip_time - int(last_time.timestamp()))
    return {
        "chain_tip": tip,
        "chain_tip_timestamp": datetime.fromtimestamp(tip_time, tz=UTC) if tip_time is not None else None,
        "node_error": node_error,
        "last_indexed_block": last,
        "last_indexed_timestamp": last_time,
        "lag_blocks": lag_blocks,
        "lag_seconds": lag_seconds,
    }


def indexer_status(*, cursor_name: str = CURSOR_NAME) -> dict[str, Any]:
    """chain_position(), with recent blocks/s and the latest backfill ranges' progress."""
    ranges = list(BackfillRange.objects.order_by("-created_at", "-id")[:RECENT_RANGES])
    backfill_rate = BackfillRange.objects.filter(state=BackfillRange.RUNNING).aggregate(rate=Sum("blocks_per_second"))[
        "rate"
    ] or Decimal(0)
    follow_rate = Decimal(str(cache.get(FOLLOW_RATE_KEY) or 0))
    return {
        **chain_position(cursor_name=cursor_name),
        "blocks_per_second": (backfill_rate + follow_rate).quantize(Decimal("0.01")),
        "backfill": [
            {
                "id": r.pk,
                "start_block": r.start_block,
                "end_block": r.end_block,
                "next_block": r.next_block,
                "state": r.state,
                "error": r.error,
                "blocks_per_second": r.blocks_per_second,
                "progress": Decimal(r.next_block - r.start_block) / Decimal(r.end_block - r.start_block + 1),
            }
            for r in ranges
        ],
    }
