"""The beat's whole-block task, through the settings' node clients: it indexes from
INDEXER_START_BLOCK in INDEXER_BATCH_BLOCKS batches and reports a dead node as a skip."""

from __future__ import annotations

import pytest

from apps.indexer.models import Block
from apps.indexer.tasks import index_chain_blocks
from tests.core.servers import LOOPBACK, free_port
from tests.indexer.contracts.chain import anvil, web3_for

pytestmark = pytest.mark.django_db


def test_the_beat_task_indexes_batches_from_the_start_block(rpc_url, settings):
    settings.INDEXER_START_BLOCK, settings.INDEXER_BATCH_BLOCKS, settings.INDEXER_CONFIRMATIONS = 3, 4, 1
    with anvil() as url:
        rpc_url(url)
        web3_for(url).provider.make_request("anvil_mine", ["0xa"])  # head 10

        first, second, third = index_chain_blocks(), index_chain_blocks(), index_chain_blocks()

    assert first == {"from_block": 3, "to_block": 6, "transfers": 0}
    assert second == {"from_block": 7, "to_block": 9, "transfers": 0}  # block 10 waits for a confirmation
    assert third == {"skipped": "no confirmed block to index"}
    assert list(Block.objects.order_by("number").values_list("number", flat=True)) == list(range(3, 10))


def test_the_beat_task_with_the_node_down_skips(rpc_url):
    rpc_url(f"http://{LOOPBACK}:{free_port()}")
    assert index_chain_blocks() == {"skipped": "chain node unreachable: connection refused or dropped"}
