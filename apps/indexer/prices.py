"""USD prices read on the chain (Uniswap v3 pools' slot0 at a block, along a configured route to
a USD stablecoin). Missing prices are absent, never invented.

Interface used by ingestion; the reading itself lands with the Uniswap v3 deployment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from web3 import Web3


@dataclass(frozen=True)
class PriceRead:
    block_number: int
    token_address: str  # checksummed; TokenPrice.NATIVE for the chain's coin
    usd: Decimal
    source: str
    pool_address: str


def read_prices(*, w3: Web3, block_numbers: list[int], token_addresses: set[str]) -> list[PriceRead]:
    """The USD price of the native coin and of each token at each block, for those a route is
    configured for and whose pools exist at that block. Batched reads; no database access."""
    return []
