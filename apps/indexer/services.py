"""The chain follower: new blocks' logs in batches from a cursor, behind a number of
confirmations, with reorgs detected by block hash and rolled back; one runner at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BlockNotFound

from apps.indexer.consumers import LogConsumer, log_consumer
from apps.indexer.cursors import CURSOR_HELD, lock_cursor, run_step
from apps.indexer.models import ChainCursor, ChainLog, IndexedBlock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowResult:
    from_block: int | None = None
    to_block: int | None = None
    logs: int = 0
    rolled_back_to: int | None = None
    skipped: str = ""


class ChainMoved(Exception):
    """The chain changed under a batch (a log's block is no longer the block we read)."""


def _hex(value: bytes | str) -> str:
    return HexBytes(value).to_0x_hex()


def _chain_hash(w3: Web3, number: int) -> str | None:
    try:
        return _hex(w3.eth.get_block(number)["hash"])
    except BlockNotFound:
        return None


def _find_fork(w3: Web3, cursor: ChainCursor) -> int | None:
    """None while the cursor's block is still on the chain; else the highest stored block that
    still is (a block's hash commits to all its ancestors), or -1 when none is."""
    if cursor.block_number is None or _chain_hash(w3, cursor.block_number) == cursor.block_hash:
        return None
    for block in IndexedBlock.objects.filter(number__lt=cursor.block_number).order_by("-number").iterator():
        if _chain_hash(w3, block.number) == block.hash:
            return block.number
    return -1


def _roll_back(cursor: ChainCursor, fork: int, consumer: LogConsumer) -> None:
    consumer.rollback(fork)
    IndexedBlock.objects.filter(number__gt=fork).delete()  # their logs go with them
    kept = IndexedBlock.objects.filter(number=fork).first()
    cursor.block_number = fork if kept else None
    cursor.block_hash = kept.hash if kept else ""
    cursor.save(update_fields=["block_number", "block_hash", "updated_at"])


def _store_batch(w3: Web3, start: int, end: int, addresses: list[str]) -> list[ChainLog]:
    raw_logs = w3.eth.get_logs({"fromBlock": start, "toBlock": end, "address": addresses}) if addresses else []
    numbers = sorted({log["blockNumber"] for log in raw_logs} | {end})
    blocks = {n: w3.eth.get_block(n) for n in numbers}
    for log in raw_logs:
        if log["blockHash"] != blocks[log["blockNumber"]]["hash"]:
            raise ChainMoved(f"block {log['blockNumber']} changed during the batch")
    stored = {}
    for number, block in blocks.items():
        stored[number], _ = IndexedBlock.objects.get_or_create(
            number=number,
            defaults={
                "hash": _hex(block["hash"]),
                "parent_hash": _hex(block["parentHash"]),
                "timestamp": block["timestamp"],
            },
        )
    logs = [
        ChainLog(
            block=stored[log["blockNumber"]],
            block_number=log["blockNumber"],
            tx_hash=_hex(log["transactionHash"]),
            log_index=log["logIndex"],
            address=Web3.to_checksum_address(log["address"]),
            topics=[_hex(topic) for topic in log["topics"]],
            data=_hex(log["data"]),
        )
        for log in raw_logs
    ]
    return ChainLog.objects.bulk_create(logs)


def follow_chain(
    *, w3: Web3, cursor_name: str, batch_size: int, confirmations: int, start_block: int = 0
) -> FollowResult:
    """Index the next batch of at most `batch_size` blocks that have `confirmations` blocks on
    top, or roll back a reorg first. Everything a run writes (logs, the consumer's state and
    the cursor) commits together, so a crash mid-run leaves nothing half-written.

    A node that does not answer writes nothing and says so (apps/indexer/cursors.run_step)."""
    consumer = log_consumer(cursor_name)
    return run_step(
        cursor_name,
        lambda: _follow(w3, cursor_name, consumer, batch_size, confirmations, start_block),
        lambda reason: FollowResult(skipped=reason),
        log=logger,
    )


def _follow(
    w3: Web3, cursor_name: str, consumer: LogConsumer, batch_size: int, confirmations: int, start_block: int
) -> FollowResult:
    try:
        with transaction.atomic():
            cursor = lock_cursor(cursor_name)
            if cursor is None:
                return FollowResult(skipped=CURSOR_HELD)
            fork = _find_fork(w3, cursor)
            if fork is not None:
                logger.warning("Reorg below block %s: rolling %s back to %s", cursor.block_number, cursor_name, fork)
                _roll_back(cursor, fork, consumer)
                return FollowResult(rolled_back_to=fork)
            head = w3.eth.block_number - confirmations
            start = start_block if cursor.block_number is None else cursor.block_number + 1
            if start > head:
                return FollowResult(skipped="no confirmed block to index")
            end = min(head, start + batch_size - 1)
            logs = _store_batch(w3, start, end, [Web3.to_checksum_address(a) for a in consumer.addresses()])
            consumer.apply(logs)
            cursor.block_number = end
            cursor.block_hash = IndexedBlock.objects.get(number=end).hash
            cursor.save(update_fields=["block_number", "block_hash", "updated_at"])
            return FollowResult(from_block=start, to_block=end, logs=len(logs))
    except ChainMoved as moved:
        logger.warning("Batch of %s abandoned: %s", cursor_name, moved)
        return FollowResult(skipped=str(moved))
