from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.indexer.ingest.backfill import run_backfill_range
from apps.indexer.ingest.follow import follow_head
from apps.indexer.rpc import batch_rpc, chain_client


@shared_task(name="apps.indexer.tasks.index_chain_blocks")
def index_chain_blocks() -> dict[str, int | str | None]:
    result = follow_head(
        rpc=batch_rpc(),
        w3=chain_client(),
        batch_size=settings.INDEXER_BATCH_BLOCKS,
        confirmations=settings.INDEXER_CONFIRMATIONS,
        start_block=settings.INDEXER_START_BLOCK,
    )
    if result.skipped:
        return {"skipped": result.skipped}
    if result.rolled_back_to is not None:
        return {"rolled_back_to": result.rolled_back_to}
    return {"from_block": result.from_block, "to_block": result.to_block, "transfers": result.transfers}


@shared_task(name="apps.indexer.tasks.backfill_range")
def backfill_range(range_id: int) -> dict[str, int | str]:
    backfill = run_backfill_range(
        range_id=range_id, rpc=batch_rpc(), w3=chain_client(), batch_size=settings.INDEXER_BATCH_BLOCKS
    )
    return {"state": backfill.state, "next_block": backfill.next_block}
