"""`make run`'s droid demo on a real anvil with the recorded Uniswap deployment: the demo trader
gets a funded wallet and a running droid that mints on its first run, and the demo swaps move
the pool's price."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from web3 import Web3

from apps.accounts.models import Role
from apps.droids.demo import demo_swap, seed_droid_demo
from apps.droids.engine.run import run_droid
from apps.droids.models import BotStatus, Droid, DroidActive, DroidPool, RunOutcome, SessionStatus
from apps.indexer.rpc import chain_client
from apps.indexer.uniswap.deploy import contract
from apps.indexer.uniswap.records import ensure_uniswap_deployed
from scripts.local_chain import ANVIL, anvil_node
from tests.accounts.factories import UserFactory
from tests.conftest import require_binary
from tests.core.servers import free_port
from tests.indexer.uniswap_support import require_uniswap_artifacts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chain(settings):
    binary = require_binary("anvil", str(ANVIL))
    require_uniswap_artifacts()
    with anvil_node(binary=binary, port=free_port()) as url:
        settings.RPC_URL = url
        chain_client.cache_clear()
        w3 = Web3(Web3.HTTPProvider(url))
        ensure_uniswap_deployed(w3=w3, deployer=w3.eth.accounts[0])
        yield w3
    chain_client.cache_clear()


@pytest.fixture
def people():
    return UserFactory(role=Role.OPERATOR), UserFactory(role=Role.ADMIN)


def test_the_demo_trader_gets_a_running_droid_that_mints_on_its_first_run(chain, people):
    trader, admin = people
    demo = seed_droid_demo(w3=chain, user=trader, admin=admin)

    droid = Droid.objects.get(pk=demo.droid.pk)
    assert demo.created and droid.owner == trader and droid.active == DroidActive.RUNNING
    assert droid.sessions.first().status == SessionStatus.RUNNING
    first = run_droid(droid_id=droid.id)
    assert first.outcome == RunOutcome.MINTED
    assert Decimal(2_900) < first.price < Decimal(3_100)  # USDC per WETH, as the trader set the bounds
    assert droid.bots.filter(status=BotStatus.ACTIVE).count() == droid.max_bots
    # A second `make run` on the same chain leaves it as it is.
    assert seed_droid_demo(w3=chain, user=trader, admin=admin) == type(demo)(droid=droid, created=False)


def test_a_droid_on_a_pool_the_chain_no_longer_has_is_closed_saying_why(chain, people):
    trader, admin = people
    old = seed_droid_demo(w3=chain, user=trader, admin=admin).droid
    fields = {f.name: getattr(old.pool, f.name) for f in DroidPool._meta.fields if f.name != "id"}
    gone = DroidPool.objects.create(**{**fields, "address": "0x" + "ab" * 20})
    Droid.objects.filter(pk=old.pk).update(pool=gone)

    new = seed_droid_demo(w3=chain, user=trader, admin=admin)

    assert new.created and new.droid.pk != old.pk
    old.refresh_from_db()
    assert old.active == DroidActive.CLOSED
    assert old.sessions.first().reason == "the local chain was reset"


def test_demo_swaps_move_the_pools_price(chain, people):
    pool = contract(
        chain, "UniswapV3Pool", seed_droid_demo(w3=chain, user=people[0], admin=people[1]).droid.pool.address
    )
    before = pool.functions.slot0().call()[0]

    said = demo_swap(w3=chain, rng=random.Random(7))

    assert "WETH" in said
    assert pool.functions.slot0().call()[0] != before
