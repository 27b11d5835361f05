"""USD prices read from Uniswap v3 pools on a real chain (anvil): slot0 at each block, along a
route to the USD anchor, exact, and absent wherever the chain has no price."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from web3 import Web3

from apps.indexer.models import TokenPrice
from apps.indexer.prices import SOURCE, read_prices
from apps.indexer.uniswap.deploy import (
    FEE,
    contract,
    deploy_uniswap,
    mock_usdc,
    send,
    sqrt_price_x96,
)
from apps.indexer.uniswap.records import ensure_uniswap_deployed
from apps.indexer.uniswap.swap import swap
from apps.jobs.chain.artifacts import load_artifact
from scripts.local_chain import ANVIL, anvil_node
from tests.conftest import require_binary
from tests.core.servers import free_port
from tests.indexer.uniswap_support import require_uniswap_artifacts

ETHER = 10**18
USDC = 10**6
STRANGER = "0x1111111111111111111111111111111111111111"


@pytest.fixture(scope="module")
def w3():
    binary = require_binary("anvil", str(ANVIL))
    require_uniswap_artifacts()
    with anvil_node(binary=binary, port=free_port()) as url:
        yield Web3(Web3.HTTPProvider(url))


@pytest.fixture(scope="module")
def uniswap(w3):
    before = w3.eth.block_number
    deployment = deploy_uniswap(w3, deployer=w3.eth.accounts[0])
    return deployment, before


@pytest.fixture
def routes(settings, uniswap):
    """WETH through the pool to USDC, the anchor; the native coin priced as WETH."""
    deployment, _ = uniswap
    settings.PRICE_ROUTES = {deployment.weth: [deployment.pool]}
    settings.PRICE_USD_ANCHORS = [deployment.usdc]
    settings.PRICE_NATIVE_TOKEN = deployment.weth
    return deployment


def prices_at(w3, blocks, tokens) -> dict[tuple[int, str], Decimal]:
    return {
        (r.block_number, r.token_address): r.usd
        for r in read_prices(w3=w3, block_numbers=blocks, token_addresses=tokens)
    }


def weth_price_from_slot0(w3, deployment, block: int) -> Decimal:
    """Computed here from the pool's own slot0 and token order, independently of prices.py."""
    pool = contract(w3, "UniswapV3Pool", deployment.pool)
    sqrt_price = pool.functions.slot0().call(block_identifier=block)[0]
    weth_is_token0 = pool.functions.token0().call() == deployment.weth
    with localcontext() as context:
        context.prec = 80
        raw = Decimal(sqrt_price) ** 2 / Decimal(2) ** 192  # token1 raw units per token0 raw unit
        usdc_per_weth = raw * Decimal(10) ** 12 if weth_is_token0 else Decimal(10) ** 12 / raw
        return usdc_per_weth.quantize(Decimal(10) ** -30)


def test_the_pools_price_is_what_its_slot0_says_at_that_block(w3, routes):
    block = w3.eth.block_number

    reads = read_prices(w3=w3, block_numbers=[block], token_addresses={routes.weth})

    [weth] = [r for r in reads if r.token_address == routes.weth]
    assert weth.usd == weth_price_from_slot0(w3, routes, block)
    assert abs(weth.usd - 3000) < Decimal("1e-20")  # the initial price, to sqrtPriceX96's rounding
    assert (weth.source, weth.pool_address, weth.block_number) == (SOURCE, routes.pool, block)


def test_a_swap_moves_the_later_price_its_way_and_leaves_the_earlier_one(w3, routes):
    before = w3.eth.block_number
    price_before = prices_at(w3, [before], {routes.weth})[(before, routes.weth)]

    swap(w3, routes, sender=w3.eth.accounts[1], token_in=routes.weth, amount_in=2 * ETHER)
    after_selling_weth = w3.eth.block_number
    send(w3, mock_usdc(w3, routes.usdc).functions.mint(w3.eth.accounts[1], 20_000 * USDC), w3.eth.accounts[1])
    swap(w3, routes, sender=w3.eth.accounts[1], token_in=routes.usdc, amount_in=20_000 * USDC)
    after_buying_weth = w3.eth.block_number

    prices = prices_at(w3, [before, after_selling_weth, after_buying_weth], {routes.weth})
    assert prices[(before, routes.weth)] == price_before
    assert prices[(after_selling_weth, routes.weth)] < price_before
    assert prices[(after_buying_weth, routes.weth)] > prices[(after_selling_weth, routes.weth)]
    for block in (after_selling_weth, after_buying_weth):
        assert prices[(block, routes.weth)] == weth_price_from_slot0(w3, routes, block)


def test_blocks_before_the_pool_existed_have_no_price(w3, uniswap, routes):
    _, before_deployment = uniswap
    head = w3.eth.block_number

    prices = prices_at(w3, [0, before_deployment, head], {routes.weth})

    weth_blocks = sorted(block for block, token in prices if token == routes.weth)
    assert weth_blocks == [head]


def test_a_token_without_a_route_has_no_price(w3, routes):
    head = w3.eth.block_number

    reads = read_prices(w3=w3, block_numbers=[head], token_addresses={STRANGER})

    assert {r.token_address for r in reads} == {TokenPrice.NATIVE}  # the coin, not the stranger


def test_the_native_coin_takes_wethes_price(w3, routes):
    head = w3.eth.block_number

    prices = prices_at(w3, [head - 1, head], set())

    assert set(prices) == {(head - 1, TokenPrice.NATIVE), (head, TokenPrice.NATIVE)}
    assert prices[(head, TokenPrice.NATIVE)] == weth_price_from_slot0(w3, routes, head)


def test_usdc_is_one_dollar_only_when_configured_as_the_anchor(w3, routes, settings):
    head = w3.eth.block_number
    assert prices_at(w3, [head], {routes.usdc})[(head, routes.usdc)] == 1

    settings.PRICE_USD_ANCHORS = []

    assert prices_at(w3, [head], {routes.usdc, routes.weth}) == {}  # the route leads nowhere now


def new_token(w3) -> str:
    mock = load_artifact("MockUSDC")
    receipt = send(w3, w3.eth.contract(abi=mock.abi, bytecode=mock.bytecode).constructor(), w3.eth.accounts[0])
    return Web3.to_checksum_address(receipt["contractAddress"])


def new_pool(w3, deployment, token_a: str, token_b: str) -> str:
    factory = contract(w3, "UniswapV3Factory", deployment.factory)
    send(w3, factory.functions.createPool(token_a, token_b, FEE), w3.eth.accounts[0])
    return factory.functions.getPool(token_a, token_b, FEE).call()


def test_an_uninitialised_pool_gives_no_price(w3, routes, settings):
    token = new_token(w3)
    pool = new_pool(w3, routes, token, routes.usdc)
    settings.PRICE_ROUTES = {token: [pool]}

    assert prices_at(w3, [w3.eth.block_number], {token}) == {}


def test_a_two_pool_route_multiplies_the_prices_along_it(w3, routes, settings):
    token = new_token(w3)  # 6 decimals, worth 1/1000 WETH
    pool_address = new_pool(w3, routes, token, routes.weth)
    pool = contract(w3, "UniswapV3Pool", pool_address)
    token0 = pool.functions.token0().call()
    weth_per_token = Fraction(1, 1000)
    price0 = weth_per_token if token0 == token else 1 / weth_per_token
    decimals = (6, 18) if token0 == token else (18, 6)
    sqrt_price = sqrt_price_x96(price=price0, token0_decimals=decimals[0], token1_decimals=decimals[1])
    send(w3, pool.functions.initialize(sqrt_price), w3.eth.accounts[0])
    settings.PRICE_ROUTES = {token: [pool_address, routes.pool], routes.weth: [routes.pool]}
    head = w3.eth.block_number

    prices = prices_at(w3, [head], {token, routes.weth})

    assert abs(prices[(head, token)] - prices[(head, routes.weth)] / 1000) < Decimal("1e-20")
    assert [
        r.pool_address
        for r in read_prices(w3=w3, block_numbers=[head], token_addresses={token})
        if r.token_address == token
    ] == [routes.pool]  # the route's last pool


@pytest.mark.django_db
def test_without_settings_the_local_deployment_is_the_route(w3, settings):
    settings.PRICE_ROUTES, settings.PRICE_USD_ANCHORS, settings.PRICE_NATIVE_TOKEN = {}, [], ""
    settings.CHAIN_ID = w3.eth.chain_id
    head = w3.eth.block_number
    assert prices_at(w3, [head], set()) == {}  # nothing recorded yet: nothing priced

    local, _ = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
    head = w3.eth.block_number

    prices = prices_at(w3, [head], {local.weth, local.usdc})
    assert set(prices) == {(head, TokenPrice.NATIVE), (head, local.weth), (head, local.usdc)}
    assert prices[(head, local.weth)] == weth_price_from_slot0(w3, local, head)
    assert prices[(head, local.usdc)] == 1
    assert mock_usdc(w3, local.usdc).functions.decimals().call() == 6
