"""Backfilling history in block ranges, one Celery task per range, so several workers fill
disjoint ranges while the follower follows the head."""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from web3 import Web3

from apps.indexer.ingest.fetch import BlockMissing, ChainMoved, fetch_blocks
from apps.indexer.ingest.service import ingest_block_range
from apps.indexer.models import BackfillRange
from apps.indexer.rpc import NODE_ERRORS, BatchRpc, describe_node_error

logger = logging.getLogger(__name__)

# A RUNNING range whose worker has said nothing for this long is taken to be dead (a killed
# worker's task is redelivered: acks late), and may be claimed again.
STALE_AFTER = timedelta(minutes=10)
READ_AHEAD = 2  # batches being read while one is written


def create_backfill_ranges(*, start: int, end: int, chunk: int) -> list[BackfillRange]:
    """Ranges of at most `chunk` blocks covering start..end. The caller enqueues them after
    commit (a task must never see a range that is not there yet)."""
    if start < 0 or end < start or chunk < 1:
        raise ValueError("need 0 <= start <= end and chunk >= 1")
    with transaction.atomic():
        return BackfillRange.objects.bulk_create(
            BackfillRange(start_block=s, end_block=min(end, s + chunk - 1), next_block=s)
            for s in range(start, end + 1, chunk)
        )


def _claim(range_id: int) -> bool:
    """Mark the range running unless it is done or another live worker runs it."""
    claimable = Q(state__in=[BackfillRange.PENDING, BackfillRange.FAILED]) | Q(
        state=BackfillRange.RUNNING, updated_at__lt=timezone.now() - STALE_AFTER
    )
    return bool(
        BackfillRange.objects.filter(claimable, pk=range_id).update(
            state=BackfillRange.RUNNING, error="", updated_at=timezone.now()
        )
    )


def run_backfill_range(*, range_id: int, rpc: BatchRpc, w3: Web3, batch_size: int) -> BackfillRange:
    """Ingest the range from its next_block in batches of `batch_size`, recording progress after
    each batch. A failure records the error and leaves next_block at the first block not done;
    running the range again resumes there (and ingesting is idempotent anyway)."""
    if not _claim(range_id):
        return BackfillRange.objects.get(pk=range_id)
    backfill = BackfillRange.objects.get(pk=range_id)
    # The next batches are read from the node while this one is written, so the node (another
    # process) works while this one decodes and writes.
    reader = ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="backfill-read")
    batches = [
        (s, min(backfill.end_block, s + batch_size - 1))
        for s in range(backfill.next_block, backfill.end_block + 1, batch_size)
    ]
    try:
        ahead = deque(reader.submit(fetch_blocks, rpc, *batch) for batch in batches[:READ_AHEAD])
        for i, (start, end) in enumerate(batches):
            began = time.monotonic()
            fetched = ahead.popleft().result()
            if i + READ_AHEAD < len(batches):
                ahead.append(reader.submit(fetch_blocks, rpc, *batches[i + READ_AHEAD]))
            result = ingest_block_range(rpc=rpc, w3=w3, start=start, end=end, fetched=fetched)
            seconds = max(time.monotonic() - began, 1e-6)
            blocks = end - start + 1
            backfill.next_block = end + 1
            backfill.blocks_per_second = Decimal(blocks / seconds).quantize(Decimal("0.01"))
            backfill.save(update_fields=["next_block", "blocks_per_second", "updated_at"])
            logger.info(
                "Backfill %s: blocks %s-%s, %.1f blocks/s, %.1f transfers/s",
                backfill.pk,
                start,
                end,
                blocks / seconds,
                result.transfers / seconds,
            )
    except (*NODE_ERRORS, ChainMoved, BlockMissing) as exc:
        reason = describe_node_error(exc) if isinstance(exc, NODE_ERRORS) else str(exc)
        backfill.state, backfill.error = BackfillRange.FAILED, reason[:300]
        backfill.save(update_fields=["state", "error", "updated_at"])
        logger.warning("Backfill %s failed at block %s: %s", backfill.pk, backfill.next_block, reason)
        return backfill
    except Exception as exc:  # a bug or a database error: recorded, and the traceback logged
        backfill.state, backfill.error = BackfillRange.FAILED, f"internal error: {type(exc).__name__}"
        BackfillRange.objects.filter(pk=backfill.pk).update(state=backfill.state, error=backfill.error)
        raise
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
    backfill.state = BackfillRange.DONE
    backfill.save(update_fields=["state", "updated_at"])
    return backfill
