"""GET /api/v1/transactions, /transactions/{hash} and /transactions/address/{address} (seed 004)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.accounts.services import create_api_token
from apps.indexer.models import Token
from tests.indexer.factories import (
    GENESIS,
    BlockFactory,
    TokenFactory,
    TokenPriceFactory,
    TokenTransferFactory,
    TransactionFactory,
    address,
)

pytestmark = pytest.mark.django_db

WALLET = address(0xD8DA)
USDC = address(0xA0B8_0000)


@pytest.fixture
def client(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")
    return api


def at(seconds: int) -> dt.datetime:
    return GENESIS + dt.timedelta(seconds=seconds)


def tx_at(seconds: int, **kwargs):
    return TransactionFactory(block=BlockFactory(timestamp=at(seconds)), **kwargs)


def hashes(body: dict) -> list[str]:
    return [item["hash"] for item in body["data"]]


def link(url: str | None) -> tuple[str, dict[str, list[str]]] | None:
    """An absolute page link as (address without query, its parameters), order aside."""
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


def assert_error(response, status: int, words: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    # Seed 004's envelope; a field's validation error also names the field in `details`.
    assert set(body) - {"details"} == {"error", "code"}, body
    assert body["code"] == str(status)
    assert words in body["error"]


def test_it_lists_transactions_newest_first_in_the_seed_shape(client):
    old = tx_at(0, value=10**18)
    new = tx_at(60, value=0)
    TokenFactory(address=USDC)
    TokenTransferFactory(transaction=new, token_address=USDC, amount=250_000_000)

    response = client.get("/api/v1/transactions")

    assert response.status_code == 200
    body = response.json()
    assert hashes(body) == [new.hash, old.hash]
    assert body["data"][0] == {
        "hash": new.hash,
        "block_number": new.block_id,
        "block_timestamp": "2026-04-30T12:01:00Z",
        "from_address": new.from_address,
        "to_address": new.to_address,
        "value_native": "0.00 ETH",
        "value_usd": None,
        "gas_used": 65000,
        "gas_price_gwei": 12.5,
        "gas_fee_usd": None,
        "status": "success",
        "token_transfers": [{"token_symbol": "USDC", "amount_display": "250.00 USDC", "amount_usd": None}],
    }
    assert body["data"][1]["value_native"] == "1.00 ETH"
    assert {k: body[k] for k in ("page", "page_size", "total_results", "total_pages", "prev_page_url")} == {
        "page": 1,
        "page_size": 20,
        "total_results": 2,
        "total_pages": 1,
        "prev_page_url": None,
    }
    assert body["next_page_url"] is None


def test_sort_timestamp_lists_oldest_first_and_a_bad_sort_is_a_400(client):
    old, new = tx_at(0), tx_at(60)
    assert hashes(client.get("/api/v1/transactions?sort=timestamp").json()) == [old.hash, new.hash]
    assert hashes(client.get("/api/v1/transactions?sort=-timestamp").json()) == [new.hash, old.hash]
    assert_error(client.get("/api/v1/transactions?sort=value"), 400, "sort must be timestamp or -timestamp")


def test_dates_filter_inclusively_with_z_or_an_offset(client):
    tx_at(0)
    middle = tx_at(60)
    tx_at(120)

    response = client.get(
        "/api/v1/transactions", {"from_date": "2026-04-30T12:01:00Z", "to_date": "2026-04-30T14:01:00+02:00"}
    )

    assert hashes(response.json()) == [middle.hash]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (
            {"from_date": "2026-04-30T12:02:00Z", "to_date": "2026-04-30T12:01:00Z"},
            "from_date must not be after to_date",
        ),
        ({"from_date": "yesterday"}, "from_date must be an ISO 8601 date-time"),
        ({"to_date": "2026-04-30T12:00:00"}, "to_date must be an ISO 8601 date-time with a UTC offset"),
        ({"address": "0x1234"}, "address must be 0x followed by 40 hexadecimal digits"),
        ({"page_size": "101"}, "page_size must be at most 100"),
        ({"page_size": "0"}, "page_size must be a positive integer"),
        ({"page": "-1"}, "page must be a positive integer"),
        ({"walletAddress": WALLET}, "unknown filter: walletAddress"),
    ],
)
def test_bad_list_input_is_a_400_that_says_what_is_wrong(client, query, words):
    assert_error(client.get("/api/v1/transactions", query), 400, words)


def test_the_address_filter_finds_sent_received_and_token_transactions_once_each(client):
    sent = tx_at(0, from_address=WALLET)
    received = tx_at(10, to_address=WALLET)
    token_receipt = tx_at(20)
    TokenTransferFactory(transaction=token_receipt, to_address=WALLET)
    both = tx_at(30, from_address=WALLET)
    TokenTransferFactory(transaction=both, from_address=WALLET)
    TokenTransferFactory(transaction=both, to_address=WALLET)
    tx_at(40)  # someone else's

    listed = client.get("/api/v1/transactions", {"address": WALLET.lower()}).json()
    by_path = client.get(f"/api/v1/transactions/address/{WALLET.upper().replace('0X', '0x')}").json()

    expected = [both.hash, token_receipt.hash, received.hash, sent.hash]
    assert hashes(listed) == expected
    assert listed["total_results"] == 4
    assert hashes(by_path) == expected


def test_the_address_path_takes_the_same_dates_and_paging(client):
    for seconds in range(0, 50, 10):
        tx_at(seconds, from_address=WALLET)

    body = client.get(
        f"/api/v1/transactions/address/{WALLET}",
        {"from_date": "2026-04-30T12:00:10Z", "page_size": "2", "sort": "timestamp"},
    ).json()

    assert [item["block_timestamp"] for item in body["data"]] == ["2026-04-30T12:00:10Z", "2026-04-30T12:00:20Z"]
    assert (body["total_results"], body["total_pages"]) == (4, 2)
    assert link(body["next_page_url"]) == (
        f"http://testserver/api/v1/transactions/address/{WALLET}",
        {"from_date": ["2026-04-30T12:00:10Z"], "page_size": ["2"], "sort": ["timestamp"], "page": ["2"]},
    )


def test_the_address_path_refuses_a_malformed_address_and_an_address_filter(client):
    assert_error(client.get("/api/v1/transactions/address/0xnothex"), 400, "address must be 0x followed by 40")
    assert_error(client.get(f"/api/v1/transactions/address/{WALLET}?address={WALLET}"), 400, "unknown filter: address")


def test_pages_link_to_each_other_keeping_the_other_parameters_and_past_the_end_is_empty(client):
    made = [tx_at(seconds) for seconds in range(5)]
    newest_first = [tx.hash for tx in reversed(made)]

    first = client.get("/api/v1/transactions?page_size=2&sort=-timestamp").json()
    last = client.get("/api/v1/transactions?page_size=2&sort=-timestamp&page=3").json()
    past = client.get("/api/v1/transactions?page_size=2&sort=-timestamp&page=9")

    assert hashes(first) == newest_first[:2]
    listing = "http://testserver/api/v1/transactions"
    assert link(first["next_page_url"]) == (listing, {"page_size": ["2"], "sort": ["-timestamp"], "page": ["2"]})
    assert first["prev_page_url"] is None
    assert hashes(last) == newest_first[4:]
    assert last["next_page_url"] is None
    assert link(last["prev_page_url"]) == (listing, {"page_size": ["2"], "sort": ["-timestamp"], "page": ["2"]})
    assert past.status_code == 200
    assert past.json()["data"] == []
    assert past.json()["total_results"] == 5
    assert link(past.json()["prev_page_url"]) == (listing, {"page_size": ["2"], "sort": ["-timestamp"], "page": ["3"]})


def test_page_size_100_is_the_maximum(client):
    for seconds in range(101):
        tx_at(seconds)
    body = client.get("/api/v1/transactions?page_size=100").json()
    assert len(body["data"]) == 100
    assert body["total_pages"] == 2


def test_the_detail_adds_fees_rich_transfers_and_the_price_source(client):
    block = BlockFactory(timestamp=at(12))
    tx = TransactionFactory(block=block, value=2 * 10**18, to_address=USDC)
    TokenFactory(address=USDC)
    nft = TokenFactory(standard=Token.ERC721, symbol="PUNK", name="Punks", decimals=None)
    TokenTransferFactory(transaction=tx, token_address=USDC, amount=250_000_000, from_address=WALLET)
    TokenTransferFactory(transaction=tx, token_address=nft.address, standard=Token.ERC721, amount=None, token_id=42)
    TokenPriceFactory(block=block, usd="3000.123456")
    TokenPriceFactory(block=block, token_address=USDC, usd="0.9999")

    response = client.get(f"/api/v1/transactions/{tx.hash.upper().replace('0X', '0x')}")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "hash", "block_number", "block_timestamp", "from_address", "to_address", "value_native", "value_usd",
        "gas_used", "gas_price_gwei", "gas_fee_eth", "gas_fee_usd", "status", "token_transfers",
        "price_source", "price_timestamp",
    ]  # fmt: skip
    assert body["value_native"] == "2.00 ETH"
    assert body["value_usd"] == 6000.25  # 6000.246912 to the cent, half up
    assert body["gas_fee_eth"] == 0.0008125  # 65000 gas at 12.5 gwei
    assert body["gas_fee_usd"] == 2.44  # 2.4376...
    assert body["price_source"] == "uniswap_v3"
    assert body["price_timestamp"] == "2026-04-30T12:00:12Z"
    assert body["token_transfers"] == [
        {
            "contract_address": USDC,
            "token_symbol": "USDC",
            "token_name": "USD Coin",
            "token_standard": "ERC-20",
            "from_address": WALLET,
            "to_address": address(3),
            "amount_display": "250.00 USDC",
            "amount_usd": 249.98,  # 249.975 half up
            "token_id": None,
        },
        {
            "contract_address": nft.address,
            "token_symbol": "PUNK",
            "token_name": "Punks",
            "token_standard": "ERC-721",
            "from_address": address(1),
            "to_address": address(3),
            "amount_display": "1 PUNK #42",
            "amount_usd": None,
            "token_id": "42",
        },
    ]


def test_without_prices_every_usd_value_is_null_never_invented(client):
    block = BlockFactory()
    tx = TransactionFactory(block=block, value=10**18)
    TokenFactory(address=USDC)
    TokenTransferFactory(transaction=tx, token_address=USDC)
    # A price at another block is not this block's price.
    TokenPriceFactory(block=BlockFactory())

    body = client.get(f"/api/v1/transactions/{tx.hash}").json()

    assert (body["value_usd"], body["gas_fee_usd"], body["price_source"], body["price_timestamp"]) == (None,) * 4
    assert body["token_transfers"][0]["amount_usd"] is None


def test_amounts_past_2_64_stay_exact_to_the_last_wei(client):
    wei = 2**70 + 1  # 1180.591620717411303425 ETH
    tx = tx_at(0, value=wei, effective_gas_price=2**65 + 3)
    TokenFactory(address=USDC, decimals=18, symbol="BIG")
    TokenTransferFactory(transaction=tx, token_address=USDC, amount=2**80 + 7)

    response = client.get(f"/api/v1/transactions/{tx.hash}")

    body = response.json()
    assert body["value_native"] == "1180.591620717411303425 ETH"
    assert body["token_transfers"][0]["amount_display"] == "1208925.819614629174706183 BIG"
    assert b'"gas_price_gwei":36893488147.419103235' in response.content
    assert b'"gas_fee_eth":2398076.729582241710275000,' in response.content  # 65000 gas at that price


def test_a_contract_creation_has_a_null_recipient_and_a_failed_one_says_failed(client):
    tx = tx_at(0, to_address="", contract_address=address(77), status=0)
    body = client.get(f"/api/v1/transactions/{tx.hash}").json()
    assert (body["to_address"], body["status"]) == (None, "failed")


def test_a_token_of_unknown_decimals_shows_raw_units(client):
    tx = tx_at(0)
    TokenFactory(address=USDC, decimals=None, symbol="ODD", metadata_error="decimals() reverted")
    TokenTransferFactory(transaction=tx, token_address=USDC, amount=1_000_000)
    TokenPriceFactory(block=tx.block, token_address=USDC, usd="1")
    transfer = client.get(f"/api/v1/transactions/{tx.hash}").json()["token_transfers"][0]
    assert (transfer["amount_display"], transfer["amount_usd"]) == ("1000000 raw units ODD", None)


def test_a_transfer_of_a_token_not_yet_read_has_no_symbol(client):
    tx = tx_at(0)
    TokenTransferFactory(transaction=tx, token_address=address(0xFEED), amount=5)
    transfer = client.get(f"/api/v1/transactions/{tx.hash}").json()["token_transfers"][0]
    assert (transfer["token_symbol"], transfer["token_name"], transfer["amount_display"]) == (None, None, "5 raw units")


def test_a_malformed_hash_is_a_400_and_an_unknown_one_a_404(client):
    assert_error(client.get("/api/v1/transactions/0xabc"), 400, "hash must be 0x followed by 64 hexadecimal digits")
    assert_error(client.get(f"/api/v1/transactions/0x{'g' * 64}"), 400, "hash must be 0x")
    assert_error(client.get(f"/api/v1/transactions/0x{'ab' * 32}"), 404, f"0x{'ab' * 32}")


def test_any_offset_iso_allows_is_taken_and_the_edges_of_time_are_a_400_not_a_500(client):
    tx_at(0)
    assert client.get("/api/v1/transactions?from_date=0072-01-04T09:35:45-21:51").json()["total_results"] == 1
    assert_error(
        client.get("/api/v1/transactions?from_date=0001-01-01T00:00:00%2B01:00"), 400, "from_date is out of range"
    )
