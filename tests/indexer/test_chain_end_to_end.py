"""The chain index end to end on anvil: Uniswap v3 deployed and the explorer's demo sent as real
transactions, indexed by the beat task from block 0, then read back over /api/v1 with a personal
API token: every demo transaction is there, and its USD values come from the pool's slot0 at its
own block (checked here independently of apps/indexer/prices.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from web3 import Web3

from apps.accounts.services import create_api_token
from apps.indexer.models import Block
from apps.indexer.uniswap.deploy import contract
from tests.indexer.demo_chain import indexed_demo_chain

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


@pytest.fixture
def demo_chain(settings):
    with indexed_demo_chain(settings) as chain:
        yield chain


@pytest.fixture
def reader(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")
    return api


def eth_usd_at(w3: Web3, uniswap, block: int) -> Fraction:
    """USDC per WETH from the pool's slot0 at `block`: (sqrtPriceX96 / 2**96)**2, scaled by the
    tokens' decimals and inverted when WETH is token1."""
    pool = contract(w3, "UniswapV3Pool", uniswap.pool)
    sqrt_price = pool.functions.slot0().call(block_identifier=block)[0]
    token1_per_token0 = Fraction(sqrt_price**2, 2**192)
    if int(uniswap.weth, 16) < int(uniswap.usdc, 16):  # WETH is token0 (18 decimals), USDC token1 (6)
        return token1_per_token0 * 10**12
    return 1 / (token1_per_token0 / 10**12)


def cents(value: Fraction) -> Decimal:
    with localcontext(prec=80):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def test_the_demo_chain_is_indexed_from_block_0(demo_chain, reader):
    w3, _, _ = demo_chain
    head = w3.eth.block_number
    assert set(Block.objects.values_list("number", flat=True)) == set(range(head + 1))
    health = reader.get("/api/v1/health").json()
    assert health["last_indexed_block"] == head == health["chain_tip_block"]
    assert health["ingestion_lag_seconds"] == 0


def test_each_demo_transaction_reads_back_with_usd_from_the_pool_at_its_block(demo_chain, reader):
    w3, uniswap, demo = demo_chain
    assert len(demo.transactions) == 8
    for what, tx_hash in demo.transactions:
        body = reader.get(f"/api/v1/transactions/{tx_hash}").json()
        receipt = w3.eth.get_transaction_receipt(tx_hash)
        assert body["block_number"] == receipt["blockNumber"], what
        assert body["status"] == "success", what
        assert body["price_source"] == "uniswap_v3", what
        price = eth_usd_at(w3, uniswap, receipt["blockNumber"])
        value = w3.eth.get_transaction(tx_hash)["value"]
        assert Decimal(str(body["value_usd"])) == cents(Fraction(value, 10**18) * price), what
        fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
        assert Decimal(str(body["gas_fee_usd"])) == cents(Fraction(fee, 10**18) * price), what


def test_a_usdc_transfer_is_worth_its_amount_in_usd(demo_chain, reader):
    _, uniswap, demo = demo_chain
    tx_hash = dict(demo.transactions)["250 USDC 6 -> 7"]
    (transfer,) = reader.get(f"/api/v1/transactions/{tx_hash}").json()["token_transfers"]
    assert transfer["contract_address"] == uniswap.usdc
    assert transfer["amount_display"] == "250.00 USDC"
    assert Decimal(str(transfer["amount_usd"])) == Decimal("250.00")


def test_a_swap_moves_the_price_for_later_blocks_only(demo_chain, reader):
    w3, uniswap, demo = demo_chain
    hashes = dict(demo.transactions)
    before = w3.eth.get_transaction_receipt(hashes["250 USDC 6 -> 7"])["blockNumber"]
    after = w3.eth.get_transaction_receipt(hashes["swap 1 ETH for USDC"])["blockNumber"]
    assert eth_usd_at(w3, uniswap, after) < eth_usd_at(w3, uniswap, before)  # ETH sold into the pool
    swap = reader.get(f"/api/v1/transactions/{hashes['swap 1 ETH for USDC']}").json()
    symbols = {t["token_symbol"] for t in swap["token_transfers"]}
    assert symbols == {"WETH", "USDC"}
