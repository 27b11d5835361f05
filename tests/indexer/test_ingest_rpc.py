"""The batched JSON-RPC client against anvil, behind a proxy that refuses big batches as nodes
do: the batch is halved and retried, every answer still matches its call, and the size grows
back slowly once the node accepts again."""

from __future__ import annotations

import pytest
import requests

from apps.indexer.ingest.service import ingest_block_range
from apps.indexer.models import Block
from apps.indexer.rpc import BatchRpc, RpcError, describe_node_error
from tests.indexer.contracts.chain import (
    RefusingProxy,
    assert_index_equals_node,
    build_demo_chain,
    rpc_for,
    web3_for,
)


def test_one_post_carries_many_calls_and_answers_match_their_calls(node):
    with RefusingProxy(node, limit=1000) as proxy:
        rpc = rpc_for(proxy.url, max_batch=100)
        web3_for(node).provider.make_request("anvil_mine", ["0x20"])
        blocks = rpc.call_many([("eth_getBlockByNumber", [hex(n), False]) for n in range(33)])
    assert [int(b["number"], 16) for b in blocks] == list(range(33))
    assert proxy.batch_sizes == [33]


def test_each_calls_error_comes_back_in_its_place(node):
    rpc = rpc_for(node)
    answers = rpc.call_many([("eth_chainId", []), ("eth_noSuchMethod", []), ("eth_chainId", [])])
    assert answers[0] == answers[2] == hex(31337)
    assert isinstance(answers[1], RpcError) and answers[1].code == -32601


@pytest.mark.parametrize("mode", ["error", "413"])
def test_a_refused_batch_is_halved_until_the_node_takes_it(node, mode):
    web3_for(node).provider.make_request("anvil_mine", ["0x40"])
    with RefusingProxy(node, limit=10, mode=mode) as proxy:
        rpc = rpc_for(proxy.url, max_batch=64, max_in_flight=1)
        blocks = rpc.call_many([("eth_getBlockByNumber", [hex(n), False]) for n in range(64)])

    assert [int(b["number"], 16) for b in blocks] == list(range(64))
    assert proxy.batch_sizes[:4] == [64, 32, 16, 8]  # halved until taken
    assert max(proxy.batch_sizes[4:]) <= 10  # no refused size is tried again at once
    assert 8 <= rpc.batch_size <= 10  # eight accepted batches of 8 grew it by a quarter


def test_the_batch_size_grows_back_slowly_once_the_node_accepts(node):
    web3_for(node).provider.make_request("anvil_mine", ["0x40"])
    with RefusingProxy(node, limit=4) as proxy:
        rpc = rpc_for(proxy.url, max_batch=64, max_in_flight=1)
        rpc.call_many([("eth_blockNumber", [])] * 16)
        assert rpc.batch_size == 4
        proxy.limit = 1000
        for _ in range(BatchRpc.GROW_AFTER):
            rpc.call_many([("eth_blockNumber", [])] * rpc.batch_size)
    assert rpc.batch_size == 5  # one step of a quarter (at least one call), not back to 64


@pytest.mark.django_db
def test_ingestion_through_a_node_that_takes_small_batches_is_still_exact(node):
    w3 = web3_for(node)
    build_demo_chain(w3)
    head = w3.eth.block_number
    with RefusingProxy(node, limit=5) as proxy:
        rpc = rpc_for(proxy.url, max_batch=50)
        ingest_block_range(rpc=rpc, w3=w3, start=0, end=head)
    assert rpc.refusals >= 1 and rpc.batch_size <= 5
    assert Block.objects.count() == head + 1
    assert_index_equals_node(w3)


def test_the_url_never_appears_in_a_node_error():
    rpc = BatchRpc("http://127.0.0.1:1/secret-key-123", timeout=1)
    with pytest.raises(requests.ConnectionError) as raised:
        rpc.call("eth_blockNumber", [])
    assert describe_node_error(raised.value) == "connection refused or dropped"
