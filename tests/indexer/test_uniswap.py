"""Uniswap v3 on a local chain (anvil): deployed once per chain from the npm artifacts, a pool
with liquidity at the initial price, swaps, the explorer's demo and the two commands make run
sends."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from web3 import Web3

from apps.indexer.rpc import chain_client
from apps.indexer.uniswap.demo import seed_explorer_demo
from apps.indexer.uniswap.deploy import FULL_RANGE, contract, erc20, mock_usdc
from apps.indexer.uniswap.records import PREFIX, ensure_uniswap_deployed, local_uniswap
from apps.indexer.uniswap.swap import swap
from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment
from apps.jobs.selectors import deployed_contracts
from apps.jobs.services import ensure_contracts_deployed
from scripts.local_chain import ANVIL, anvil_node
from tests.conftest import require_binary
from tests.core.servers import free_port
from tests.indexer.uniswap_support import require_uniswap_artifacts

pytestmark = pytest.mark.django_db

ETHER = 10**18
USDC = 10**6


@pytest.fixture
def w3(settings):
    """A fresh anvil per test (deployments are per chain), the node client pointed at it."""
    binary = require_binary("anvil", str(ANVIL))
    require_uniswap_artifacts()
    with anvil_node(binary=binary, port=free_port()) as url:
        settings.RPC_URL = url
        settings.CHAIN_ID = 31337
        chain_client.cache_clear()
        yield Web3(Web3.HTTPProvider(url))
    chain_client.cache_clear()


def test_deploying_twice_deploys_once(w3):
    first, deployed = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
    head = w3.eth.block_number

    second, deployed_again = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])

    assert (deployed, deployed_again) == (True, False)
    assert second == first == local_uniswap(w3)
    assert w3.eth.block_number == head  # nothing sent the second time
    assert ContractDeployment.objects.filter(name__startswith=PREFIX).count() == 6


def test_a_chain_that_lost_the_contracts_gets_a_new_deployment(w3):
    ContractDeployment.objects.bulk_create(
        ContractDeployment(chain_id=31337, name=f"{PREFIX}{name}", address=f"0x{n:040x}", block_number=0)
        for n, name in enumerate(("factory", "weth", "usdc", "position_manager", "swap_router", "pool"), start=1)
    )

    uniswap, deployed = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])

    assert deployed
    assert w3.eth.get_code(uniswap.pool)
    assert local_uniswap(w3) == uniswap


def test_the_pool_holds_full_range_liquidity_at_3000_usdc_per_weth(w3):
    uniswap, _ = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
    pool = contract(w3, "UniswapV3Pool", uniswap.pool)
    manager = contract(w3, "NonfungiblePositionManager", uniswap.position_manager)

    assert {pool.functions.token0().call(), pool.functions.token1().call()} == {uniswap.weth, uniswap.usdc}
    assert pool.functions.fee().call() == 3000
    assert pool.functions.liquidity().call() > 0
    assert manager.functions.ownerOf(1).call() == w3.eth.accounts[0]
    assert tuple(manager.functions.positions(1).call()[5:7]) == FULL_RANGE
    # 100 WETH and 300,000 USDC offered; the side the rounded sqrt price makes scarcer is all
    # taken, the other to within a millionth.
    weth = erc20(w3, uniswap.weth).functions.balanceOf(uniswap.pool).call()
    usdc = mock_usdc(w3, uniswap.usdc).functions.balanceOf(uniswap.pool).call()
    assert 100 * ETHER - ETHER // 10**4 <= weth <= 100 * ETHER
    assert 300_000 * USDC - USDC <= usdc <= 300_000 * USDC
    assert weth == 100 * ETHER or usdc == 300_000 * USDC


def test_the_pool_trades_with_the_agent_jobs_usdc_and_leaves_their_deployment_alone(w3):
    deployer = w3.eth.accounts[0]
    jobs = ensure_contracts_deployed(w3=w3, deployer=deployer, treasury=deployer, arbiter=deployer, reporter=deployer)

    uniswap, _ = ensure_uniswap_deployed(w3=w3, deployer=deployer, usdc=jobs["MockUSDC"])

    assert uniswap.usdc == jobs["MockUSDC"]
    assert deployed_contracts(chain_id=31337) == jobs
    assert set(deployed_contracts(chain_id=31337)) == set(CONTRACT_NAMES)
    assert (
        ensure_contracts_deployed(w3=w3, deployer=deployer, treasury=deployer, arbiter=deployer, reporter=deployer)
        == jobs
    )
    assert local_uniswap(w3) == uniswap


def test_a_swap_pays_out_the_other_token(w3):
    uniswap, _ = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
    trader = w3.eth.accounts[3]

    swap(w3, uniswap, sender=trader, token_in=uniswap.weth, amount_in=ETHER)

    received = mock_usdc(w3, uniswap.usdc).functions.balanceOf(trader).call()
    assert 2_900 * USDC < received < 3_000 * USDC  # 3,000 less the 0.3% fee and the price impact


def test_the_explorer_demo_is_sent_once(w3):
    uniswap, _ = ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
    accounts = w3.eth.accounts

    first = seed_explorer_demo(w3, uniswap, accounts=accounts)
    head = w3.eth.block_number
    second = seed_explorer_demo(w3, uniswap, accounts=accounts)

    assert (first.skipped, second.skipped) == (False, True)
    assert len(first.transactions) == 8
    assert w3.eth.block_number == head
    usdc = mock_usdc(w3, uniswap.usdc)
    assert usdc.functions.balanceOf(accounts[7]).call() == 250 * USDC
    assert usdc.functions.balanceOf(accounts[5]).call() > 3_750 * USDC  # kept, plus the ETH it sold
    assert erc20(w3, uniswap.weth).functions.balanceOf(accounts[6]).call() > 0  # bought with USDC


def test_the_commands_deploy_and_seed_once_on_a_fresh_chain(w3, settings):
    settings.DEBUG = True
    outputs = []
    for _ in range(2):
        for command in ("deploy_contracts", "deploy_uniswap", "seed_chain_explorer_demo"):
            out = StringIO()
            call_command(command, stdout=out)
            outputs.append(out.getvalue())

    uniswap = local_uniswap(w3)
    assert uniswap.usdc == deployed_contracts(chain_id=31337)["MockUSDC"]
    assert "nothing sent" not in outputs[1] + outputs[2]
    assert "Uniswap v3 already on chain; nothing sent." in outputs[4]
    assert "Explorer demo already on chain; nothing sent." in outputs[5]
    assert uniswap.pool in outputs[1]
