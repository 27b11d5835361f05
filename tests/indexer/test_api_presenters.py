"""The presenters write exactly the keys their schema serializers declare, in order, and the
amount rules (exact, at least 2 places, never rounded; USD to the cent)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.indexer import selectors
from apps.indexer.models import Token
from apps.indexer.presenters import (
    format_units,
    present_block,
    present_health,
    present_token,
    present_transaction_detail,
    present_transaction_summary,
    usd,
)
from apps.indexer.serializers import (
    BlockSerializer,
    HealthSerializer,
    TokenSerializer,
    TransactionDetailSerializer,
    TransactionSummarySerializer,
    TransferDetailSerializer,
    TransferSummarySerializer,
)
from tests.indexer.factories import BlockFactory, TokenFactory, TokenPriceFactory, TokenTransferFactory, address


@pytest.mark.parametrize(
    ("raw", "decimals", "text"),
    [
        (0, 18, "0.00"),
        (250_000_000, 6, "250.00"),
        (1, 18, "0.000000000000000001"),
        (123_450_000, 6, "123.45"),
        (123_456_700, 6, "123.4567"),
        (7, 0, "7.00"),
        (2**256 - 1, 18, "115792089237316195423570985008687907853269984665640564039457.584007913129639935"),
    ],
)
def test_format_units_is_exact_with_at_least_two_places(raw, decimals, text):
    assert format_units(raw, decimals) == text


def test_usd_rounds_half_up_to_the_cent_and_is_none_without_a_price():
    assert usd(Decimal("0.125"), Decimal("1")) == Decimal("0.13")
    assert usd(Decimal("1"), None) is None
    assert usd(None, Decimal("1")) is None


@pytest.mark.django_db
def test_each_body_has_its_serializers_keys_in_order():
    block = BlockFactory(transaction_count=1)
    transfer = TokenTransferFactory(transaction__block=block, block=block)
    TokenFactory(address=transfer.token_address)
    TokenPriceFactory(block=block)
    row = selectors.transaction_by_hash(transfer.transaction.hash)

    summary = present_transaction_summary(row)
    detail = present_transaction_detail(row)

    assert list(summary) == list(TransactionSummarySerializer().fields)
    assert list(summary["token_transfers"][0]) == list(TransferSummarySerializer().fields)
    assert list(detail) == list(TransactionDetailSerializer().fields)
    assert list(detail["token_transfers"][0]) == list(TransferDetailSerializer().fields)
    assert list(present_block(selectors.block_with_transactions(block.number))) == list(BlockSerializer().fields)
    token = selectors.token_by_address(transfer.token_address)
    assert list(present_token(token)) == list(TokenSerializer().fields)
    unknown = dict.fromkeys(["chain_tip", "last_indexed_block", "last_indexed_timestamp", "lag_seconds"])
    assert list(present_health(unknown)) == list(HealthSerializer().fields)


@pytest.mark.django_db
def test_the_search_resolver_names_what_the_text_is():
    block = BlockFactory(number=42)
    transfer = TokenTransferFactory(transaction__block=block, block=block)
    token = TokenFactory(address=transfer.token_address)
    tx_hash = transfer.transaction.hash

    assert selectors.search(f"  {tx_hash.upper().replace('0X', '0x')} ") == selectors.chain.SearchResult(
        "transaction", tx_hash
    )
    assert selectors.search(f"0x{'ab' * 32}").kind == "none"
    assert selectors.search("42") == selectors.chain.SearchResult("block", 42)
    assert selectors.search("43").kind == "none"
    assert selectors.search(token.address.lower()) == selectors.chain.SearchResult("token", token.address)
    assert selectors.search(address(5).lower()) == selectors.chain.SearchResult("address", address(5))
    assert selectors.search("hello").kind == "none"


@pytest.mark.django_db
def test_an_address_page_lists_its_token_transfers_newest_first_with_their_tokens():
    wallet = address(0xD8DA)
    old = TokenTransferFactory(to_address=wallet)
    new = TokenTransferFactory(from_address=wallet, standard=Token.ERC721, amount=None, token_id=3)
    TokenTransferFactory()  # another wallet's
    TokenFactory(address=old.token_address)

    rows = selectors.address_token_transfers(wallet)

    assert rows.count() == 2
    page = rows[0:20]
    assert [(r["transaction__hash"], r["log_index"]) for r in page] == [
        (new.transaction.hash, new.log_index),
        (old.transaction.hash, old.log_index),
    ]
    assert page[1]["token"]["symbol"] == "USDC"


@pytest.mark.django_db
def test_a_blocks_transactions_page_through_the_same_selector():
    block = BlockFactory()
    transfer = TokenTransferFactory(transaction__block=block, block=block)
    TokenTransferFactory()  # another block's
    rows = selectors.transactions(selectors.TransactionFilters(block_number=block.number))
    assert rows.count() == 1
    assert rows[0:20][0]["hash"] == transfer.transaction.hash


@pytest.mark.django_db
def test_a_token_page_lists_that_tokens_transfers_only(django_assert_num_queries):
    token = TokenFactory()
    mine = [TokenTransferFactory(token_address=token.address) for _ in range(3)]
    TokenTransferFactory(token_address=address(0xFEED))
    with django_assert_num_queries(3):  # count, page, tokens
        rows = selectors.token_transfers(token.address)
        assert rows.count() == 3
        assert [r["transaction__hash"] for r in rows[0:20]] == [t.transaction.hash for t in reversed(mine)]
