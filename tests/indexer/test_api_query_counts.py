"""Query counts of the chain reads and the page selectors, with rows in every relation (several
transactions, each with transfers of several tokens, prices at every block), so a per-row
query cannot hide."""

from __future__ import annotations

import pytest

from apps.accounts.services import create_api_token
from apps.indexer import selectors
from apps.indexer.models import Token
from tests.indexer.factories import (
    BlockFactory,
    TokenFactory,
    TokenPriceFactory,
    TokenTransferFactory,
    TransactionFactory,
    address,
)

pytestmark = pytest.mark.django_db
WALLET = address(0xD8DA)


@pytest.fixture
def chain():
    """Six transactions over three blocks, each with an ERC-20 and an ERC-721 transfer, prices everywhere."""
    usdc, nft = TokenFactory(), TokenFactory(standard=Token.ERC721, symbol="PUNK", decimals=None)
    made = []
    for _ in range(3):
        block = BlockFactory(transaction_count=2)
        TokenPriceFactory(block=block)
        TokenPriceFactory(block=block, token_address=usdc.address, usd="1")
        for _ in range(2):
            tx = TransactionFactory(block=block, from_address=WALLET)
            TokenTransferFactory(transaction=tx, token_address=usdc.address, to_address=WALLET)
            TokenTransferFactory(
                transaction=tx, token_address=nft.address, standard=Token.ERC721, amount=None, token_id=1
            )
            made.append(tx)
    return made


@pytest.fixture
def client(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")
    return api


# count, page, transfers, tokens, prices
LIST_QUERIES = 5


@pytest.mark.parametrize("query", ["", f"?address={WALLET}", "?from_date=2026-01-01T00:00:00Z&sort=timestamp"])
def test_a_transaction_page_costs_the_same_few_queries_whatever_its_rows(
    client, chain, django_assert_num_queries, query
):
    client.get(f"/api/v1/transactions{query}")  # warm the token's cache and last-used stamp
    # One more: the API token's lookup.
    with django_assert_num_queries(LIST_QUERIES + 1) as captured:
        body = client.get(f"/api/v1/transactions{query}").json()
    assert len(body["data"]) == 6
    reads = [q["sql"] for q in captured.captured_queries if "indexer_" in q["sql"]]
    assert len(reads) == LIST_QUERIES, [q["sql"][:60] for q in captured.captured_queries]


def test_the_selectors_pin_their_query_counts(chain, django_assert_num_queries):
    with django_assert_num_queries(LIST_QUERIES):
        rows = selectors.transactions(selectors.TransactionFilters(address=WALLET))
        rows.count()
        assert len(rows[0:20]) == 6
    with django_assert_num_queries(4):  # the transaction, its transfers, their tokens, prices
        assert selectors.transaction_by_hash(chain[0].hash)["transfers"]
    with django_assert_num_queries(2):
        assert len(selectors.block_with_transactions(chain[0].block_id)["transaction_hashes"]) == 2
    with django_assert_num_queries(3):  # count, page, tokens
        transfers = selectors.address_token_transfers(WALLET)
        assert transfers.count() == 6
        assert all(row["token"] for row in transfers[0:20])
    with django_assert_num_queries(1):
        assert selectors.token_by_address(chain[0].from_address) is None
    with django_assert_num_queries(1):
        assert selectors.search(chain[0].hash).kind == "transaction"


def test_an_empty_page_reads_no_relations(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = selectors.transactions(selectors.TransactionFilters())
        assert rows.count() == 0
        assert rows[0:20] == []
