"""Whole-block ingestion on anvil: the index equals the node, block by block, transaction by
transaction, transfer by transfer, before and after a reorg."""

from __future__ import annotations

import pytest

from apps.indexer.ingest.follow import follow_head
from apps.indexer.models import Block, ChainCursor, Token, TokenTransfer, Transaction
from tests.indexer.contracts.chain import (
    assert_index_equals_node,
    build_demo_chain,
    follow_to_head,
    more_traffic,
    rpc_for,
    web3_for,
)

pytestmark = pytest.mark.django_db


def follower(url: str, *, batch_size: int = 7):
    w3, rpc = web3_for(url), rpc_for(url)
    return lambda: follow_head(rpc=rpc, w3=w3, batch_size=batch_size, confirmations=0)


def test_the_index_equals_the_node_block_by_block_and_after_a_reorg(node):
    w3 = web3_for(node)
    demo = build_demo_chain(w3)
    more_traffic(demo, 5)
    follow = follower(node)

    follow_to_head(follow)
    head = assert_index_equals_node(w3)
    assert ChainCursor.objects.get(name="chain").block_number == head
    failed = Transaction.objects.get(hash=demo.failed_txs[0])
    assert failed.status == 0 and not failed.token_transfers.exists()
    assert Transaction.objects.filter(to_address="").exclude(contract_address="").count() == 3
    assert TokenTransfer.objects.filter(token_address=demo.odd.address).count() == 1  # not the malformed log

    fork = w3.eth.block_number
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    more_traffic(demo, 3, salt=1)
    follow_to_head(follow)
    assert Block.objects.count() == fork + 7
    w3.provider.make_request("evm_revert", [snapshot])
    more_traffic(demo, 5, salt=2)  # a different branch, higher than the one it replaces

    results = follow_to_head(follow)

    assert results[0].rolled_back_to == fork
    assert_index_equals_node(w3)
    assert ChainCursor.objects.get(name="chain").block_hash == w3.eth.get_block("latest")["hash"].to_0x_hex()


def test_token_metadata_is_read_once_and_odd_tokens_keep_what_could_be_read(node):
    w3 = web3_for(node)
    demo = build_demo_chain(w3)
    follow_to_head(follower(node))

    tokens = {t.address: t for t in Token.objects.all()}
    assert set(tokens) == {demo.usd.address, demo.things.address, demo.odd.address}
    usd, things, odd = tokens[demo.usd.address], tokens[demo.things.address], tokens[demo.odd.address]
    assert (usd.standard, usd.name, usd.symbol, usd.decimals, usd.metadata_error) == (
        "ERC-20",
        "Test Dollar",
        "TUSD",
        6,
        "",
    )
    assert (things.standard, things.name, things.symbol, things.decimals, things.metadata_error) == (
        "ERC-721",
        "Test Things",
        "THING",
        None,
        "",
    )
    assert (odd.name, odd.symbol, odd.decimals) == ("Odd Maker", "ODD", None)
    assert odd.metadata_error == "decimals: reverted"
    assert TokenTransfer.objects.get(token_address=demo.odd.address).amount == 2**200
    assert TokenTransfer.objects.get(token_address=demo.things.address, from_address=w3.eth.accounts[0]).token_id == (
        2**255 + 7
    )
