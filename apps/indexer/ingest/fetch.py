"""Reading a block range from the node in batches: blocks with their transactions, receipts,
and the checks that the answers belong to one chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.indexer.ingest.decode import qty
from apps.indexer.rpc import BatchRpc, RpcError

# What nodes answer for a method they do not have (eth_getBlockReceipts is newer than most).
_NO_METHOD_CODES = (-32601, -32600)


class ChainMoved(Exception):
    """The node's answers do not form one chain (a reorg mid-batch): nothing is written."""


class BlockMissing(Exception):
    """The node has no such block (yet)."""


@dataclass
class FetchedBlock:
    block: dict[str, Any]
    receipts: list[dict[str, Any]]

    @property
    def number(self) -> int:
        return qty(self.block["number"])

    @property
    def hash(self) -> str:
        return self.block["hash"].lower()


def _raise_first_error(results: list[Any]) -> None:
    for result in results:
        if isinstance(result, RpcError):
            raise result


def fetch_blocks(rpc: BatchRpc, start: int, end: int) -> list[FetchedBlock]:
    """Blocks start..end with full transactions and receipts, checked to be one chain (each
    parentHash is the previous hash; every receipt is of its block's transaction)."""
    numbers = list(range(start, end + 1))
    blocks = rpc.call_many([("eth_getBlockByNumber", [hex(n), True]) for n in numbers])
    _raise_first_error(blocks)
    for number, block in zip(numbers, blocks, strict=True):
        if block is None:
            raise BlockMissing(f"block {number} is not on the node")
    with_txs = [b for b in blocks if b["transactions"]]
    receipts = _receipts(rpc, with_txs)
    fetched = [FetchedBlock(block=b, receipts=receipts.get(b["hash"].lower(), [])) for b in blocks]
    check_one_chain(fetched)
    return fetched


def _receipts(rpc: BatchRpc, blocks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    if not blocks:
        return {}
    if rpc.has_block_receipts:
        answers = rpc.call_many([("eth_getBlockReceipts", [b["hash"]]) for b in blocks])
        missing_method = [a for a in answers if isinstance(a, RpcError) and a.code in _NO_METHOD_CODES]
        if not missing_method:
            _raise_first_error(answers)
            if any(a is None for a in answers):
                raise ChainMoved("a block's receipts are gone (its block left the chain)")
            return {b["hash"].lower(): a for b, a in zip(blocks, answers, strict=True)}
        rpc.has_block_receipts = False  # remembered for the client's life: the node will not grow it
    hashes = [(b["hash"].lower(), tx["hash"]) for b in blocks for tx in b["transactions"]]
    answers = rpc.call_many([("eth_getTransactionReceipt", [tx]) for _, tx in hashes])
    _raise_first_error(answers)
    by_block: dict[str, list[dict[str, Any]]] = {}
    for (block_hash, _), receipt in zip(hashes, answers, strict=True):
        if receipt is None:
            raise ChainMoved("a transaction's receipt is gone (its block left the chain)")
        by_block.setdefault(block_hash, []).append(receipt)
    return by_block


def check_one_chain(fetched: list[FetchedBlock]) -> None:
    previous: FetchedBlock | None = None
    for item in fetched:
        if previous is not None and item.block["parentHash"].lower() != previous.hash:
            raise ChainMoved(f"block {item.number} does not follow block {previous.number}")
        txs = item.block["transactions"]
        if len(item.receipts) != len(txs):
            raise ChainMoved(f"block {item.number}: {len(item.receipts)} receipts for {len(txs)} transactions")
        for tx, receipt in zip(txs, item.receipts, strict=True):
            if (receipt.get("blockHash") or "").lower() != item.hash or receipt["transactionHash"] != tx["hash"]:
                raise ChainMoved(f"block {item.number} changed while its receipts were read")
        previous = item
