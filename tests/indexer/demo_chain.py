"""A fresh anvil with Uniswap v3 and the explorer's demo transactions on it, indexed from block 0
by the beat task: shared by the end-to-end API tests and the explorer's browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from web3 import Web3

from apps.indexer.models import ChainCursor
from apps.indexer.rpc import batch_rpc, chain_client
from apps.indexer.tasks import index_chain_blocks
from apps.indexer.uniswap.demo import ExplorerDemoSummary, seed_explorer_demo
from apps.indexer.uniswap.deploy import UniswapAddresses
from apps.indexer.uniswap.records import ensure_uniswap_deployed
from scripts.local_chain import ANVIL, anvil_node
from tests.conftest import require_binary
from tests.core.servers import free_port


@contextmanager
def indexed_demo_chain(settings) -> Iterator[tuple[Web3, UniswapAddresses, ExplorerDemoSummary]]:
    binary = require_binary("anvil", str(ANVIL))
    with anvil_node(binary=binary, port=free_port()) as url:
        settings.RPC_URL, settings.CHAIN_ID, settings.INDEXER_CONFIRMATIONS = url, 31337, 0
        chain_client.cache_clear()
        batch_rpc.cache_clear()
        w3 = Web3(Web3.HTTPProvider(url))
        uniswap, _ = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
        demo = seed_explorer_demo(w3, uniswap, accounts=w3.eth.accounts)
        head = w3.eth.block_number
        for _ in range(head + 1):  # one batch is enough; a bound instead of `while True`
            index_chain_blocks()
            if ChainCursor.objects.get(name="chain").block_number == head:
                break
        try:
            yield w3, uniswap, demo
        finally:
            chain_client.cache_clear()
            batch_rpc.cache_clear()
