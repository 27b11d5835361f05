"""What ingestion writes when things go wrong: a range ingested twice, a node that is down or
dies mid-batch, a chain that does not join what is stored, a node without block receipts."""

from __future__ import annotations

import logging

import pytest
from web3 import HTTPProvider, Web3

from apps.indexer.ingest.fetch import ChainMoved
from apps.indexer.ingest.follow import follow_head
from apps.indexer.ingest.service import ingest_block_range
from apps.indexer.models import Block, ChainCursor, Token, TokenTransfer, Transaction
from tests.core.servers import LOOPBACK, free_port
from tests.indexer.contracts.chain import (
    RefusingProxy,
    assert_index_equals_node,
    build_demo_chain,
    follow_to_head,
    rpc_for,
    web3_for,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Block, Transaction, TokenTransfer, Token))


def test_ingesting_a_range_again_writes_nothing_twice(node):
    w3, rpc = web3_for(node), rpc_for(node)
    build_demo_chain(w3)
    head = w3.eth.block_number
    first = ingest_block_range(rpc=rpc, w3=w3, start=0, end=head)
    before = counts()

    again = ingest_block_range(rpc=rpc, w3=w3, start=0, end=head)
    overlapping = ingest_block_range(rpc=rpc, w3=w3, start=3, end=head)

    assert first.blocks == head + 1 and first.transfers > 0
    assert (again.blocks, again.transactions, overlapping.blocks) == (0, 0, 0)
    assert counts() == before
    assert_index_equals_node(w3)


def test_a_dead_node_writes_nothing_and_is_one_warning(caplog):
    caplog.set_level(logging.INFO)
    dead = f"http://{LOOPBACK}:{free_port()}"
    w3 = Web3(HTTPProvider(dead, exception_retry_configuration=None))

    results = [follow_head(rpc=rpc_for(dead), w3=w3, batch_size=10, confirmations=0) for _ in range(3)]

    assert {r.skipped for r in results} == {"chain node unreachable: connection refused or dropped"}
    assert counts() == (0, 0, 0, 0)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "Chain node unreachable (connection refused or dropped): chain stays before its first block until it answers."
    ]
    assert ChainCursor.objects.get(name="chain").block_number is None


def test_a_node_failing_mid_batch_leaves_no_partial_state(node):
    w3 = web3_for(node)
    build_demo_chain(w3)
    with RefusingProxy(node, limit=1000) as proxy:
        rpc = rpc_for(proxy.url)
        proxy.fail_method = "eth_getBlockReceipts"  # blocks come back, their receipts do not

        result = follow_head(rpc=rpc, w3=w3, batch_size=100, confirmations=0)

        assert result.skipped.startswith("chain node unreachable")
        assert counts() == (0, 0, 0, 0)
        assert ChainCursor.objects.get(name="chain").block_number is None
        proxy.fail_method = None
        follow_to_head(lambda: follow_head(rpc=rpc, w3=w3, batch_size=100, confirmations=0))
    assert_index_equals_node(w3)


def test_a_range_that_does_not_join_the_stored_block_below_writes_nothing(node):
    w3, rpc = web3_for(node), rpc_for(node)
    build_demo_chain(w3)
    ingest_block_range(rpc=rpc, w3=w3, start=0, end=4)
    Block.objects.filter(number=4).update(hash="0x" + "ab" * 32)  # as if a branch that lost
    before = counts()

    with pytest.raises(ChainMoved):
        ingest_block_range(rpc=rpc, w3=w3, start=5, end=w3.eth.block_number)

    assert counts() == before


def test_a_node_without_block_receipts_is_read_per_transaction(node):
    w3 = web3_for(node)
    build_demo_chain(w3)
    with RefusingProxy(node, limit=1000) as proxy:
        proxy.missing_method = "eth_getBlockReceipts"
        rpc = rpc_for(proxy.url)
        ingest_block_range(rpc=rpc, w3=w3, start=0, end=w3.eth.block_number)
    assert rpc.has_block_receipts is False
    assert_index_equals_node(w3)
