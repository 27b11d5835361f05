"""A real WETH/USDC pool on a fresh anvil, a funded droid wallet and a droid, for the engine's
and the chain client's tests (import `local_pool_fixture` into a test module to use `local_pool`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from eth_account import Account
from web3 import Web3

from apps.droids.models import Droid, DroidAccount, DroidActive, DroidPool, DroidSession, SessionStatus
from apps.exchanges.crypto import seal
from apps.indexer.rpc import chain_client
from apps.indexer.uniswap.deploy import FEE, TICK_SPACING, UniswapAddresses, deploy_uniswap, erc20, mock_usdc, send
from apps.indexer.uniswap.swap import swap
from scripts.local_chain import ANVIL, anvil_node
from tests.accounts.factories import UserFactory
from tests.conftest import require_binary
from tests.core.servers import free_port
from tests.indexer.uniswap_support import require_uniswap_artifacts

ETHER = 10**18
USDC = 10**6


@dataclass
class LocalPool:
    w3: Web3
    uniswap: UniswapAddresses
    deployer: str
    weth_is_token0: bool

    def usdc_per_weth(self, price: Decimal) -> Decimal:
        """A USDC-per-WETH price as the pool's token1 per token0."""
        return price if self.weth_is_token0 else 1 / price

    def swap(self, *, token_in: str, amount_in: int) -> None:
        """The deployer swaps `amount_in` of the pool's WETH (paid in ether) or USDC (minted first)."""
        if token_in == self.uniswap.usdc:
            send(self.w3, mock_usdc(self.w3, self.uniswap.usdc).functions.mint(self.deployer, amount_in), self.deployer)
        swap(self.w3, self.uniswap, sender=self.deployer, token_in=token_in, amount_in=amount_in)

    def fund(self, address: str, *, eth: int = 10 * ETHER, weth: int = 20 * ETHER, usdc: int = 50_000 * USDC) -> None:
        send(self.w3, erc20(self.w3, self.uniswap.weth).functions.deposit(), self.deployer, value=weth)
        send(self.w3, erc20(self.w3, self.uniswap.weth).functions.transfer(address, weth), self.deployer)
        send(self.w3, mock_usdc(self.w3, self.uniswap.usdc).functions.mint(address, usdc), self.deployer)
        self.w3.eth.wait_for_transaction_receipt(
            self.w3.eth.send_transaction({"from": self.deployer, "to": address, "value": eth})
        )


@pytest.fixture(name="local_pool")
def local_pool_fixture(settings):
    """Uniswap v3 with a WETH/USDC 0.3% pool at 3000 USDC per WETH on a fresh anvil, which
    RPC_URL (the droids' node) points at."""
    binary = require_binary("anvil", str(ANVIL))
    require_uniswap_artifacts()
    with anvil_node(binary=binary, port=free_port()) as url:
        settings.RPC_URL = url
        chain_client.cache_clear()
        w3 = Web3(Web3.HTTPProvider(url))
        deployer = w3.eth.accounts[0]
        uniswap = deploy_uniswap(w3, deployer=deployer)
        token0 = min(uniswap.weth, uniswap.usdc, key=lambda a: int(a, 16))
        yield LocalPool(w3, uniswap, deployer, token0 == uniswap.weth)
    chain_client.cache_clear()


def make_pool(local: LocalPool) -> DroidPool:
    weth = ("WETH", 18, local.uniswap.weth)
    usdc = ("USDC", 6, local.uniswap.usdc)
    first, second = (weth, usdc) if local.weth_is_token0 else (usdc, weth)
    pool, _ = DroidPool.objects.get_or_create(
        chain_id=31337,
        address=local.uniswap.pool,
        defaults=dict(
            fee_tier=FEE,
            tick_spacing=TICK_SPACING,
            token0=first[2],
            token0_symbol=first[0],
            token0_decimals=first[1],
            token1=second[2],
            token1_symbol=second[0],
            token1_decimals=second[1],
            position_manager=local.uniswap.position_manager,
        ),
    )
    return pool


def make_droid(local: LocalPool, *, funding: dict[str, int] | None = None, **config) -> Droid:
    """A running droid on the local pool whose wallet holds ETH, WETH and USDC (`funding`
    overrides LocalPool.fund's amounts); `config` overrides the droid's fields."""
    user = UserFactory()
    wallet = Account.create()
    local.fund(wallet.address, **(funding or {}))
    account = DroidAccount.objects.create(
        user=user, chain_id=31337, address=wallet.address, private_key=seal(wallet.key.hex())
    )
    low, high = sorted((local.usdc_per_weth(Decimal(2500)), local.usdc_per_weth(Decimal(3600))))
    droid = Droid.objects.create(
        **{
            "owner": user,
            "account": account,
            "pool": make_pool(local),
            "active": DroidActive.RUNNING,
            "funding_usd": Decimal(10_000),
            "tick_buckets": 10,
            "max_bots": 3,
            "min_price": low,
            "max_price": high,
            "falling_rebalance_trigger": Decimal("0.01"),
            "rising_rebalance_trigger": Decimal("0.01"),
            "derivative_threshold": Decimal("0.005"),
            "ladder_perc_margin": Decimal(0),
            "max_gas_price": Decimal(100),
            **config,
        }
    )
    DroidSession.objects.create(droid=droid, status=SessionStatus.RUNNING, started_at=droid.created_at)
    return droid
