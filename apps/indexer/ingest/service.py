"""Writing a block range: blocks, transactions with receipts, token transfers, new tokens and
prices, all in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from web3 import Web3

from apps.indexer.ingest.bulk import insert_rows
from apps.indexer.ingest.decode import address, decode_transfer, qty
from apps.indexer.ingest.fetch import ChainMoved, FetchedBlock, fetch_blocks
from apps.indexer.ingest.tokens import read_tokens
from apps.indexer.models import Block, Token, TokenPrice, TokenTransfer
from apps.indexer.models import Transaction as Tx
from apps.indexer.prices import read_prices
from apps.indexer.rpc import BatchRpc

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    start: int
    end: int
    blocks: int  # newly written (blocks already stored with the same hash are skipped)
    transactions: int
    transfers: int
    tokens: int
    last_hash: str


def ingest_block_range(
    *, rpc: BatchRpc, w3: Web3, start: int, end: int, fetched: list[FetchedBlock] | None = None
) -> IngestResult:
    """Fetch blocks start..end (inclusive) and store what is not stored yet, in one transaction.

    1. Fetch everything first (blocks, receipts, new tokens' metadata, prices): a node that goes
       down or a chain that moves raises before anything is written.
    2. Check the range joins what is stored: the block below must be the first block's parent,
       the block above must be the last block's child. Else ChainMoved (the follower rolls the
       stored side back, or the next run reads a settled chain).
    3. In one transaction: drop stored blocks in the range with another hash (a branch that
       lost; CASCADE takes their rows), then bulk-insert the rest. Blocks stored with the same
       hash are left alone, so re-ingesting a range writes nothing twice.
    `fetched` is fetch_blocks(rpc, start, end) when the caller read it ahead (a backfill reads
    the next batch while this one is written). Raises ChainMoved, BlockMissing, or one of
    rpc.NODE_ERRORS."""
    if fetched is None:
        fetched = fetch_blocks(rpc, start, end)
    stored = dict(Block.objects.filter(number__range=(start, end)).values_list("number", "hash"))
    fresh = [item for item in fetched if stored.get(item.number) != item.hash]
    transfers = {item.number: _transfers(item) for item in fresh}
    standards: dict[str, str] = {}
    for decoded in (t for ts in transfers.values() for t in ts):
        standards.setdefault(decoded.token_address, decoded.standard)
    known = set(Token.objects.filter(address__in=standards).values_list("address", flat=True))
    new_tokens = read_tokens(rpc, {a: s for a, s in standards.items() if a not in known}, end)
    with_txs = [item.number for item in fresh if item.block["transactions"]]
    prices = read_prices(w3=w3, block_numbers=with_txs, token_addresses=set(standards)) if with_txs else []

    with transaction.atomic():
        _check_joins(fetched[0], fetched[-1])
        Block.objects.filter(number__range=(start, end)).exclude(hash__in=[i.hash for i in fetched]).delete()
        block_rows = [_block_row(item) for item in fresh]
        insert_rows(Block, block_rows)
        tx_rows = list(_tx_rows(fresh))
        insert_rows(Tx, tx_rows)
        numbers = [row["number"] for row in block_rows]
        tx_ids = dict(Tx.objects.filter(block_id__in=numbers).values_list("hash", "id")) if tx_rows else {}
        times = {row["number"]: row["timestamp"] for row in block_rows}
        insert_rows(
            TokenTransfer,
            [
                {
                    "transaction_id": tx_ids[t.tx_hash],
                    "block_id": number,
                    "block_timestamp": times[number],
                    "log_index": t.log_index,
                    "token_address": t.token_address,
                    "standard": t.standard,
                    "from_address": t.from_address,
                    "to_address": t.to_address,
                    "amount": t.amount,
                    "token_id": t.token_id,
                }
                for number, ts in transfers.items()
                for t in ts
            ],
        )
        # Another worker may have read the same token meanwhile: its row wins, both are equal.
        Token.objects.bulk_create(new_tokens, ignore_conflicts=True)
        fresh_numbers = set(times)
        TokenPrice.objects.bulk_create(
            TokenPrice(
                block_id=p.block_number,
                token_address=p.token_address,
                usd=p.usd,
                source=p.source,
                pool_address=p.pool_address,
            )
            for p in prices
            if p.block_number in fresh_numbers
        )
    return IngestResult(
        start=start,
        end=end,
        blocks=len(block_rows),
        transactions=len(tx_rows),
        transfers=sum(len(ts) for ts in transfers.values()),
        tokens=len(new_tokens),
        last_hash=fetched[-1].hash,
    )


def _check_joins(first: FetchedBlock, last: FetchedBlock) -> None:
    below = Block.objects.filter(number=first.number - 1).values_list("hash", flat=True).first()
    if below is not None and below != first.block["parentHash"].lower():
        raise ChainMoved(f"block {first.number} does not follow the stored block {first.number - 1}")
    above = Block.objects.filter(number=last.number + 1).values_list("parent_hash", flat=True).first()
    if above is not None and above != last.hash:
        raise ChainMoved(f"the stored block {last.number + 1} does not follow block {last.number}")


def _time(item: FetchedBlock) -> datetime:
    return datetime.fromtimestamp(qty(item.block["timestamp"]), tz=UTC)


def _block_row(item: FetchedBlock) -> dict[str, Any]:
    b = item.block
    return {
        "number": item.number,
        "hash": item.hash,
        "parent_hash": b["parentHash"].lower(),
        "timestamp": _time(item),
        "miner": address(b.get("miner")),
        "gas_used": qty(b["gasUsed"]),
        "gas_limit": qty(b["gasLimit"]),
        "base_fee_per_gas": qty(b.get("baseFeePerGas")),
        "transaction_count": len(b["transactions"]),
    }


def _tx_rows(fresh: list[FetchedBlock]):
    for item in fresh:
        when = _time(item)
        for tx, receipt in zip(item.block["transactions"], item.receipts, strict=True):
            data = tx.get("input") or "0x"
            yield {
                "hash": tx["hash"].lower(),
                "block_id": item.number,
                "block_timestamp": when,
                "transaction_index": qty(tx["transactionIndex"]),
                "from_address": address(tx["from"]),
                "to_address": address(tx.get("to")),
                "contract_address": address(receipt.get("contractAddress")),
                "value": qty(tx["value"]),
                "nonce": qty(tx["nonce"]),
                "gas_limit": qty(tx["gas"]),
                "gas_used": qty(receipt["gasUsed"]),
                "effective_gas_price": qty(receipt.get("effectiveGasPrice") or tx.get("gasPrice")),
                # Receipts before Byzantium carry a state root instead of a status: those succeeded.
                "status": qty(receipt["status"]) if receipt.get("status") is not None else 1,
                "method_id": data[:10] if len(data) >= 10 else "",
            }


def _transfers(item: FetchedBlock):
    return [t for receipt in item.receipts for log in receipt.get("logs", []) if (t := decode_transfer(log))]
