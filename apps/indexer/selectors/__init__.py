"""Reads of the indexer: the followers' positions (readiness, staleness headers) and the chain
index (the /api/v1 chain reads, devbe and the explorer pages).

Every chain read returns plain dicts or dataclasses built from `.values()` rows, never model
instances, and runs a fixed number of queries whatever the number of rows: one per relation
(transfers of a page's transactions, their tokens, their prices), never one per row. The query
counts are pinned in tests/indexer/test_api_query_counts.py."""

from apps.indexer.selectors.chain import (
    TransactionFilters,
    TransactionRows,
    address_token_transfers,
    address_transactions,
    block_with_transactions,
    latest_blocks,
    search,
    token_by_address,
    token_transfers,
    transaction_by_hash,
    transactions,
)
from apps.indexer.selectors.positions import Position, indexer_position, indexer_positions
from apps.indexer.selectors.wallet import wallet_summary

__all__ = [
    "Position",
    "TransactionFilters",
    "TransactionRows",
    "address_token_transfers",
    "address_transactions",
    "block_with_transactions",
    "indexer_position",
    "indexer_positions",
    "latest_blocks",
    "search",
    "token_by_address",
    "token_transfers",
    "transaction_by_hash",
    "transactions",
    "wallet_summary",
]
