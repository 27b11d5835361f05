"""The chain explorer's pages: search, a transaction, a block, an address or token, the status
panel; the amounts they show are the API's (exact, USD only where a price was read)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from apps.indexer.models import BackfillRange
from tests.core.servers import LOOPBACK, free_port
from tests.indexer.factories import (
    BlockFactory,
    TokenFactory,
    TokenPriceFactory,
    TokenTransferFactory,
    TransactionFactory,
    address,
)

pytestmark = pytest.mark.django_db

# No node listens here: the status reads answer "unreachable" at once instead of waiting.
NO_NODE = override_settings(RPC_URL=f"http://{LOOPBACK}:{free_port()}")


@pytest.fixture
def usdc_payment():
    """Block 1000 with one transaction paying 250 USDC and 1.5 ETH, both priced at that block."""
    block = BlockFactory(number=1000, transaction_count=1)
    token = TokenFactory()
    tx = TransactionFactory(block=block, value=1_500_000_000_000_000_000)
    TokenTransferFactory(transaction=tx, token_address=token.address)
    TokenPriceFactory(block=block, usd=Decimal("3000.5"))
    TokenPriceFactory(block=block, token_address=token.address, usd=Decimal("0.9998"))
    return tx


@NO_NODE
def test_an_empty_index_says_how_it_fills(client):
    page = client.get("/chain")
    assert page.status_code == 200
    text = page.content.decode()
    assert "No block is indexed yet" in text
    assert "node unreachable" in text


@NO_NODE
def test_the_explorer_lists_the_latest_blocks_and_transactions(client, usdc_payment):
    text = client.get("/chain").content.decode()
    assert 'href="/chain/block/1000"' in text
    assert f'href="/chain/tx/{usdc_payment.hash}"' in text
    assert "1.50 ETH" in text and "250.00 USDC" in text


@pytest.mark.parametrize(
    ("query", "where"),
    [
        (f"0x{0xAB00000:064x}", "/chain/tx/"),
        ("1000", "/chain/block/1000"),
        (address(0xABCDEF0123).lower(), f"/chain/address/{address(0xABCDEF0123)}"),
    ],
)
def test_search_goes_to_what_it_names(client, usdc_payment, query, where):
    usdc_payment.hash = f"0x{0xAB00000:064x}"
    usdc_payment.save()
    answer = client.get("/chain/search", {"q": f"  {query} "})
    assert answer.status_code == 302
    assert answer["Location"].startswith(where)


def test_search_for_nothing_known_says_what_it_takes(client):
    answer = client.get("/chain/search", {"q": "hello"})
    assert answer.status_code == 404
    text = answer.content.decode()
    assert "Nothing indexed matches" in text and "40 hex digits" in text


def test_a_transaction_page_shows_exact_amounts_and_usd_at_its_block(client, usdc_payment):
    text = client.get(f"/chain/tx/{usdc_payment.hash}").content.decode()
    assert "1.50 ETH" in text
    assert "4,500.75 USD" in text  # 1.5 ETH at 3,000.50
    assert "249.95 USD" in text  # 250 USDC at 0.9998
    assert "0.0008125 ETH" in text  # 65,000 gas at 12.5 gwei


def test_a_transaction_without_a_price_shows_no_usd_rather_than_a_guess(client):
    tx = TransactionFactory(value=10**18)
    text = client.get(f"/chain/tx/{tx.hash}").content.decode()
    assert "1.00 ETH" in text
    assert "no on-chain price at this block" in text
    assert " USD</span>" not in text


def test_unknown_or_malformed_things_are_not_found(client):
    assert client.get(f"/chain/tx/0x{'cd' * 32}").status_code == 404
    assert client.get("/chain/tx/0x123").status_code == 404
    assert client.get("/chain/block/99999").status_code == 404
    assert client.get("/chain/address/0x123").status_code == 400


def test_an_address_page_redirects_to_the_checksummed_address(client):
    mixed_case = address(0xABCDEF0123)
    assert mixed_case != mixed_case.lower()
    answer = client.get(f"/chain/address/{mixed_case.lower()}")
    assert answer.status_code == 302 and answer["Location"] == f"/chain/address/{mixed_case}"


def test_an_address_page_shows_its_transactions_and_transfers(client, usdc_payment, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        text = client.get(f"/chain/address/{address(3)}").content.decode()
    assert f'data-tx="{usdc_payment.hash}"' in text  # it received a token in it
    assert "in</span> from" in text and "250.00 USDC" in text


def test_a_token_page_names_the_token_and_unknown_decimals(client):
    token = TokenFactory(symbol="ODD", name="", decimals=None)
    text = client.get(f"/chain/address/{token.address}").content.decode()
    assert "Token ODD" in text
    assert "its amounts show in raw units" in text


def test_a_block_page_lists_its_transactions_in_chain_order(client):
    block = BlockFactory(number=2000, transaction_count=2)
    second = TransactionFactory(block=block, transaction_index=1)
    first = TransactionFactory(block=block, transaction_index=0)
    text = client.get("/chain/block/2000").content.decode()
    assert text.index(first.hash) < text.index(second.hash)
    assert "← Block 1999" in text


@NO_NODE
def test_the_status_panel_shows_each_backfill_and_its_progress(client):
    BackfillRange.objects.create(start_block=0, end_block=99, next_block=50, state=BackfillRange.RUNNING)
    BackfillRange.objects.create(
        start_block=100, end_block=199, next_block=100, state=BackfillRange.FAILED, error="node refused"
    )
    text = client.get("/chain/status").content.decode()
    assert "0\N{EN DASH}99" in text and "50%" in text
    assert "node refused" in text
