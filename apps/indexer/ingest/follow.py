"""Following the head with whole blocks: a cursor behind a number of confirmations, reorgs
rolled back by block hash, one runner at a time, a node outage recorded and logged once."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from web3 import Web3

from apps.indexer.cursors import CURSOR_HELD, lock_cursor, run_step
from apps.indexer.ingest.decode import qty
from apps.indexer.ingest.fetch import BlockMissing, ChainMoved
from apps.indexer.ingest.service import ingest_block_range
from apps.indexer.models import Block, ChainCursor
from apps.indexer.rpc import BatchRpc

logger = logging.getLogger(__name__)

CURSOR_NAME = "chain"
FOLLOW_RATE_KEY = "indexer:follow-rate"  # the last batch's blocks/s, for the status panel
HASH_PAGE = 64  # stored blocks compared with the node per request while looking for a fork


@dataclass(frozen=True)
class HeadResult:
    from_block: int | None = None
    to_block: int | None = None
    transactions: int = 0
    transfers: int = 0
    rolled_back_to: int | None = None
    skipped: str = ""


def follow_head(
    *,
    rpc: BatchRpc,
    w3: Web3,
    batch_size: int,
    confirmations: int,
    start_block: int = 0,
    cursor_name: str = CURSOR_NAME,
) -> HeadResult:
    """Ingest the next batch of at most `batch_size` blocks with `confirmations` on top, or
    first roll a reorg back. The batch and the cursor commit together; a node that does not
    answer or a chain that moves mid-batch writes nothing (the next run retries)."""
    return run_step(
        cursor_name,
        lambda: _follow(rpc, w3, cursor_name, batch_size, confirmations, start_block),
        lambda reason: HeadResult(skipped=reason),
        log=logger,
    )


def _follow(rpc: BatchRpc, w3: Web3, cursor_name: str, batch_size: int, confirmations: int, start_block: int):
    try:
        with transaction.atomic():
            cursor = lock_cursor(cursor_name)
            if cursor is None:
                return HeadResult(skipped=CURSOR_HELD)
            fork = find_fork(rpc, cursor)
            if fork is not None:
                logger.warning("Reorg below block %s: rolling %s back to %s", cursor.block_number, cursor_name, fork)
                roll_back(cursor, fork)
                return HeadResult(rolled_back_to=fork)
            head = qty(rpc.call("eth_blockNumber", [])) - confirmations
            start = start_block if cursor.block_number is None else cursor.block_number + 1
            if start > head:
                return HeadResult(skipped="no confirmed block to index")
            end = min(head, start + batch_size - 1)
            began = time.monotonic()
            ingested = ingest_block_range(rpc=rpc, w3=w3, start=start, end=end)
            cursor.block_number = end
            cursor.block_hash = ingested.last_hash
            cursor.save(update_fields=["block_number", "block_hash", "updated_at"])
            rate = (end - start + 1) / max(time.monotonic() - began, 1e-6)
            cache.set(FOLLOW_RATE_KEY, round(rate, 2), timeout=300)
            return HeadResult(
                from_block=start, to_block=end, transactions=ingested.transactions, transfers=ingested.transfers
            )
    except (ChainMoved, BlockMissing) as moved:
        logger.warning("Batch of %s abandoned: %s", cursor_name, moved)
        return HeadResult(skipped=str(moved))


def _node_hashes(rpc: BatchRpc, numbers: list[int]) -> dict[int, str | None]:
    answers = rpc.call_many([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
    return {n: (a["hash"].lower() if isinstance(a, dict) else None) for n, a in zip(numbers, answers, strict=True)}


def find_fork(rpc: BatchRpc, cursor: ChainCursor) -> int | None:
    """None while the cursor's block is still on the chain; else the highest stored block that
    still is (a block's hash commits to all its ancestors), or -1 when none is."""
    if cursor.block_number is None:
        return None
    if _node_hashes(rpc, [cursor.block_number])[cursor.block_number] == cursor.block_hash:
        return None
    below = Block.objects.filter(number__lt=cursor.block_number).order_by("-number").values_list("number", "hash")
    page: list[tuple[int, str]] = []
    for row in below.iterator(chunk_size=HASH_PAGE):
        page.append(row)
        if len(page) == HASH_PAGE:
            if (fork := _highest_kept(rpc, page)) is not None:
                return fork
            page = []
    if page and (fork := _highest_kept(rpc, page)) is not None:
        return fork
    return -1


def _highest_kept(rpc: BatchRpc, page: list[tuple[int, str]]) -> int | None:
    on_chain = _node_hashes(rpc, [number for number, _ in page])
    return next((number for number, stored in page if on_chain[number] == stored), None)


def roll_back(cursor: ChainCursor, fork: int) -> None:
    """Delete every block above the fork (CASCADE takes its transactions, transfers, prices)
    and move the cursor there; the caller's transaction makes both one step."""
    Block.objects.filter(number__gt=fork).delete()
    kept = Block.objects.filter(number=fork).values_list("hash", flat=True).first()
    cursor.block_number = fork if kept else None
    cursor.block_hash = kept or ""
    cursor.save(update_fields=["block_number", "block_hash", "updated_at"])
