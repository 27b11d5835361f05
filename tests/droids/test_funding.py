"""A droid's funding against its wallet on a real chain: anvil with the local Uniswap v3
deployment (WETH/USDC 0.3% at 3,000 USDC per WETH), the pool registered from the chain, the
wallet valued at the pool's price, and the API's answer when the node is gone."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from eth_account import Account
from web3 import Web3

from apps.droids.models import Droid, DroidPool, DroidSession
from apps.droids.selectors import account_value_usd
from apps.droids.services import create_droid_account, register_local_pool
from apps.indexer.rpc import chain_client
from apps.indexer.uniswap.deploy import (
    UniswapAddresses,
    contract,
    deploy_uniswap,
    erc20,
    mock_usdc,
    send,
    sqrt_price_x96,
)
from apps.indexer.uniswap.records import PREFIX
from apps.indexer.uniswap.swap import swap
from apps.jobs.chain.artifacts import load_artifact
from apps.jobs.models import ContractDeployment
from tests.droids.conftest import assert_error
from tests.droids.factories import DroidPoolFactory
from tests.indexer.contracts.chain import anvil
from tests.indexer.uniswap_support import require_uniswap_artifacts

pytestmark = pytest.mark.django_db

ETHER = 10**18
USDC = 10**6


@pytest.fixture(scope="module")
def deployed():
    """One anvil and one deployment for the module; each test runs on a snapshot of it."""
    require_uniswap_artifacts()
    with anvil() as url:
        w3 = Web3(Web3.HTTPProvider(url))
        yield url, w3, deploy_uniswap(w3, deployer=w3.eth.accounts[0])


@pytest.fixture
def chain(deployed, settings):
    url, w3, uniswap = deployed
    settings.RPC_URL = url
    settings.CHAIN_ID = 31337
    chain_client.cache_clear()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    yield w3, uniswap
    w3.provider.make_request("evm_revert", [snapshot])
    chain_client.cache_clear()


@pytest.fixture
def pool(chain):
    w3, uniswap = chain
    return register_local_pool(w3=w3, uniswap=uniswap)


def fund(w3: Web3, uniswap: UniswapAddresses, owner: str, *, weth: int, usdc: int) -> None:
    giver = w3.eth.accounts[0]
    if weth:
        send(w3, erc20(w3, uniswap.weth).functions.deposit(), giver, value=weth)
        send(w3, erc20(w3, uniswap.weth).functions.transfer(owner, weth), giver)
    if usdc:
        send(w3, mock_usdc(w3, uniswap.usdc).functions.mint(owner, usdc), giver)


@pytest.fixture
def wallet(chain, operator):
    """The operator's droid wallet holding 2 WETH and 1,000 USDC: 7,000 USD at the pool's price."""
    w3, uniswap = chain
    key = Account.create()
    account = create_droid_account(user=operator.user, private_key=key.key.hex(), label="main", chain_id=31337)
    fund(w3, uniswap, account.address, weth=2 * ETHER, usdc=1_000 * USDC)
    return account


def record(uniswap: UniswapAddresses) -> None:
    ContractDeployment.objects.bulk_create(
        ContractDeployment(chain_id=31337, name=f"{PREFIX}{name}", address=getattr(uniswap, name), block_number=1)
        for name in UniswapAddresses.field_names()
    )


def test_the_local_pool_is_registered_from_the_chain_once(chain):
    w3, uniswap = chain
    record(uniswap)

    first = register_local_pool(w3=w3)  # the deployment as recorded for the node's chain
    again = register_local_pool(w3=w3)

    assert first == again and DroidPool.objects.count() == 1
    assert (first.chain_id, first.address, first.fee_tier, first.tick_spacing) == (31337, uniswap.pool, 3000, 60)
    assert {first.token0, first.token1} == {uniswap.weth, uniswap.usdc}
    by_symbol = {first.token0_symbol: first.token0_decimals, first.token1_symbol: first.token1_decimals}
    assert by_symbol == {"WETH": 18, "USDC": 6}
    assert first.position_manager == uniswap.position_manager


def test_the_command_registers_the_pool_once_there_is_a_deployment(chain):
    _, uniswap = chain
    with pytest.raises(CommandError, match="No Uniswap deployment"):
        call_command("register_droid_pool", stdout=StringIO())
    record(uniswap)

    out = StringIO()
    call_command("register_droid_pool", stdout=out)

    pool = DroidPool.objects.get()
    assert out.getvalue().startswith(f"pool {pool.id}: ") and pool.address == uniswap.pool


def test_a_wallet_is_worth_its_tokens_at_the_pools_price(chain, pool, wallet):
    w3, uniswap = chain

    value = account_value_usd(wallet, pool)

    # 2 x 3,000 + 1,000: the Q64.96 square root's rounding is far below the 18th place, and the
    # value is rounded down to 18 places, never up.
    assert Decimal("6999.999999999999999999") <= value <= Decimal("7000")
    assert value == value.quantize(Decimal("1e-18"))
    swap(w3, uniswap, sender=w3.eth.accounts[4], token_in=uniswap.weth, amount_in=10 * ETHER)
    assert account_value_usd(wallet, pool) < Decimal("6900")  # WETH sold into the pool: cheaper


def pool_with_usd_as(w3: Web3, uniswap: UniswapAddresses, usd_index: int) -> DroidPool:
    """A WETH/USDC 0.05% pool at 3,000 USDC per WETH whose USDC is token`usd_index`: MockUSDCs
    are deployed until one sorts on that side of WETH (their addresses fall where they may)."""
    deployer = w3.eth.accounts[0]
    mock = load_artifact("MockUSDC")
    while True:
        receipt = send(w3, w3.eth.contract(abi=mock.abi, bytecode=mock.bytecode).constructor(), deployer)
        usdc = Web3.to_checksum_address(receipt["contractAddress"])
        if (int(usdc, 16) < int(uniswap.weth, 16)) == (usd_index == 0):
            break
    token0, token1 = sorted([usdc, uniswap.weth], key=lambda a: int(a, 16))
    price = Fraction(3000) if usd_index == 1 else 1 / Fraction(3000)
    decimals = (18, 6) if usd_index == 1 else (6, 18)
    sqrt_price = sqrt_price_x96(price=price, token0_decimals=decimals[0], token1_decimals=decimals[1])
    manager = contract(w3, "NonfungiblePositionManager", uniswap.position_manager)
    send(w3, manager.functions.createAndInitializePoolIfNecessary(token0, token1, 500, sqrt_price), deployer)
    address = contract(w3, "UniswapV3Factory", uniswap.factory).functions.getPool(token0, token1, 500).call()
    symbols = ("USDC", "WETH") if usd_index == 0 else ("WETH", "USDC")
    return DroidPoolFactory(
        address=address,
        fee_tier=500,
        tick_spacing=10,
        token0=token0,
        token0_symbol=symbols[0],
        token0_decimals=decimals[0],
        token1=token1,
        token1_symbol=symbols[1],
        token1_decimals=decimals[1],
    )


@pytest.mark.parametrize("usd_index", [0, 1])
def test_the_value_is_in_usd_whichever_side_the_stablecoin_is_on(chain, operator, usd_index):
    w3, uniswap = chain
    pool = pool_with_usd_as(w3, uniswap, usd_index)
    account = create_droid_account(user=operator.user, private_key=Account.create().key.hex(), label="", chain_id=31337)
    usdc = pool.token0 if usd_index == 0 else pool.token1
    fund(w3, uniswap, account.address, weth=2 * ETHER, usdc=0)
    send(w3, mock_usdc(w3, usdc).functions.mint(account.address, 1_000 * USDC), w3.eth.accounts[0])

    value = account_value_usd(account, pool)

    assert Decimal("6999.99999999") <= value <= Decimal("7000.00000001")
    assert value == value.quantize(Decimal("1e-18"))


def test_an_empty_wallet_is_worth_nothing(chain, pool, operator):
    empty = create_droid_account(user=operator.user, private_key=Account.create().key.hex(), label="", chain_id=31337)
    assert account_value_usd(empty, pool) == 0


def seed_body(pool, funding):
    return {
        "poolId": pool.id,
        "fundingUSD": funding,
        "tickBuckets": 10,
        "maxBots": 5,
        "maxPrice": 4000,
        "minPrice": 2500,
        "maxGasPrice": 50,
        "derivativeThreshold": Decimal("0.01"),
        "ladderPercMargin": Decimal("0.02"),
        "fallingRebalanceTrigger": Decimal("0.03"),
        "risingRebalanceTrigger": Decimal("0.05"),
    }


def test_the_api_funds_a_droid_within_the_wallet_and_refuses_beyond(operator, pool, wallet):
    free = account_value_usd(wallet, pool) - 5000
    assert operator.post("/api/droids", seed_body(pool, 5000)).status_code == 201

    response = operator.post("/api/droids", seed_body(pool, free + Decimal("1e-18")))

    assert_error(response, 400, "fundingUSD", f"wallet's free funds: {free.normalize():f} USD")
    assert Droid.objects.count() == 1
    assert operator.post("/api/droids", seed_body(pool, free)).status_code == 201


def test_raising_a_droids_funding_is_checked_on_the_chain(operator, pool, wallet):
    created = operator.post("/api/droids", seed_body(pool, 5000)).json()

    assert_error(operator.patch(f"/api/droids/{created['id']}/config", {"fundingUSD": 7001}), 400, "fundingUSD")
    assert operator.patch(f"/api/droids/{created['id']}/config", {"fundingUSD": 6999}).status_code == 200


def test_a_node_that_does_not_answer_is_a_503_and_nothing_is_written(operator, pool, wallet, settings):
    settings.RPC_URL = "http://127.0.0.1:9"  # the discard port: nothing listens
    settings.RPC_TIMEOUT_SECONDS = 1
    chain_client.cache_clear()

    response = operator.post("/api/droids", seed_body(pool, 100))

    assert_error(response, 503, "Cannot check the account's funds")
    assert not Droid.objects.exists() and not DroidSession.objects.exists()
