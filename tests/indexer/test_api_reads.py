"""GET /api/v1/health, /blocks/{block_number} and /tokens/{contract_address}, and the token
requirement of every chain read (seed 004)."""

from __future__ import annotations

import datetime as dt

import pytest
from web3 import HTTPProvider, Web3

from apps.accounts.services import create_api_token
from apps.indexer.models import ChainCursor
from scripts.local_chain import ANVIL, anvil_node
from tests.accounts.factories import sign_in
from tests.conftest import require_binary
from tests.core.servers import LOOPBACK, free_port
from tests.indexer.factories import BlockFactory, TokenFactory, TransactionFactory, address
from tests.indexer.test_api_transactions import assert_error

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/health",
    "/api/v1/transactions",
    f"/api/v1/transactions/0x{'ab' * 32}",
    f"/api/v1/transactions/address/{address(1)}",
    "/api/v1/blocks/1",
    f"/api/v1/tokens/{address(1)}",
]


@pytest.fixture
def client(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")
    return api


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_chain_read_needs_a_token(api, path):
    assert_error(api.get(path), 401, "")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_wrong_token_is_a_401_in_the_seed_envelope(api, path):
    api.credentials(HTTP_AUTHORIZATION="Bearer hc_live_not-a-real-token")
    assert_error(api.get(path), 401, "invalid")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_session_access_token_is_not_a_personal_api_token(api, user, path):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(user).access_token}")
    assert_error(api.get(path), 401, "personal API token")


def test_a_block_lists_its_transactions_in_chain_order(client):
    block = BlockFactory(number=22400001, transaction_count=2)
    second = TransactionFactory(block=block, transaction_index=1)
    first = TransactionFactory(block=block, transaction_index=0)
    TransactionFactory()  # another block's

    response = client.get("/api/v1/blocks/22400001")

    assert response.status_code == 200
    assert response.json() == {
        "block_number": 22400001,
        "block_timestamp": block.timestamp.isoformat().replace("+00:00", "Z"),
        "transaction_count": 2,
        "transaction_hashes": [first.hash, second.hash],
    }


@pytest.mark.parametrize("raw", ["-1", "1.5", "abc", "0x10", "1e3"])
def test_a_block_number_that_is_not_a_non_negative_integer_is_a_400(client, raw):
    assert_error(client.get(f"/api/v1/blocks/{raw}"), 400, "block_number must be a non-negative integer")


def test_a_block_not_indexed_is_a_404(client):
    BlockFactory(number=5)
    assert_error(client.get("/api/v1/blocks/6"), 404, "Block 6 is not indexed")


def test_a_token_answers_its_metadata_for_any_case_of_its_address(client):
    token = TokenFactory(address=address(0xA0B8))
    response = client.get(f"/api/v1/tokens/{token.address.lower()}")
    assert response.status_code == 200
    assert response.json() == {"contract_address": token.address, "symbol": "USDC", "name": "USD Coin", "decimals": 6}


def test_a_token_whose_metadata_reverted_shows_nulls(client):
    token = TokenFactory(symbol="", name="", decimals=None, metadata_error="symbol() reverted")
    body = client.get(f"/api/v1/tokens/{token.address}").json()
    assert (body["symbol"], body["name"], body["decimals"]) == (None, None, None)


def test_a_malformed_token_address_is_a_400_and_an_unknown_one_a_404(client):
    assert_error(client.get("/api/v1/tokens/0x12"), 400, "contract_address must be 0x followed by 40")
    assert_error(client.get(f"/api/v1/tokens/{address(9)}"), 404, f"No indexed token at {address(9)}")


def test_health_with_the_node_down_is_degraded_but_still_serves_the_index(client, rpc_url):
    rpc_url(f"http://{LOOPBACK}:{free_port()}")
    BlockFactory(number=7)
    latest = BlockFactory(number=8)
    ChainCursor.objects.create(name="chain", block_number=8, block_hash=latest.hash)

    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "last_indexed_block": 8,
        "last_indexed_timestamp": latest.timestamp.isoformat().replace("+00:00", "Z"),
        "chain_tip_block": None,
        "ingestion_lag_seconds": None,
    }


def test_health_reports_the_tip_and_the_lag_from_a_real_node(client, rpc_url):
    binary = require_binary("anvil", str(ANVIL))
    port = free_port()
    with anvil_node(binary=binary, port=port, wait=30) as url:
        rpc_url(url)
        w3 = Web3(HTTPProvider(url))
        w3.provider.make_request("evm_mine", [])
        tip = w3.eth.get_block("latest")
        block = BlockFactory(number=0, timestamp=dt.datetime.fromtimestamp(tip["timestamp"] - 144, tz=dt.UTC))
        ChainCursor.objects.create(name="chain", block_number=0, block_hash=block.hash)

        body = client.get("/api/v1/health").json()

    assert body["status"] == "ok"
    assert body["last_indexed_block"] == 0
    assert body["chain_tip_block"] == tip["number"]
    assert body["ingestion_lag_seconds"] == 144.0


def test_health_before_anything_is_indexed_has_no_position(client, rpc_url):
    rpc_url(f"http://{LOOPBACK}:{free_port()}")
    body = client.get("/api/v1/health").json()
    assert (body["last_indexed_block"], body["last_indexed_timestamp"]) == (None, None)
