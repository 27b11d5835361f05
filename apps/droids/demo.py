"""`make run`'s droid demo on the local chain: a funded wallet and a running droid for the demo
operator on the local WETH/USDC pool, and small swaps from time to time so the droid has prices
to follow. Real transactions, signed by the node's own (anvil's) accounts; DEBUG only."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from eth_account import Account
from web3 import Web3

from apps.droids.models import Droid, DroidActive, FundingCurve, TriggerType
from apps.droids.services import create_droid, create_droid_account, open_session, register_local_pool, set_droid_active
from apps.droids.v3math import Q96
from apps.indexer.uniswap.deploy import INITIAL_USDC_PER_WETH, contract, erc20, mock_usdc, send
from apps.indexer.uniswap.records import local_uniswap
from apps.indexer.uniswap.swap import swap

ETHER = 10**18
USDC = 10**6
# Anvil signs for ten accounts: 1-4 hold the agent-jobs demo, 5-7 the explorer's; these are the droids'.
FUNDER, SWAPPER = 8, 9
WALLET_ETH, WALLET_WETH, WALLET_USDC = 2 * ETHER, 10 * ETHER, 30_000 * USDC
DEMO_CONFIG = {
    "funding_usd": Decimal(20_000),
    "trigger_type": TriggerType.PRICE,
    "tick_buckets": 8,
    "bucket_offset": 0,
    "funding_curve_type": FundingCurve.LINEAR,
    "max_bots": 4,
    "falling_rebalance_trigger": Decimal("0.01"),
    "rising_rebalance_trigger": Decimal("0.01"),
    "derivative_threshold": Decimal("0.005"),
    "ladder_perc_margin": Decimal("0.02"),
    "max_gas_price": Decimal(50),
    "tx_priority": 1,
    # USDC per WETH (apps/droids/pricing.py), around the pool's starting 3,000.
    "min_price": Decimal(2_400),
    "max_price": Decimal(3_600),
}
# The demo's swaps pull the price back toward where the pool started. Each moves the 100-WETH pool
# by about 0.1-0.6%: under the 1% a mint allows to slip (DROID_MINT_SLIPPAGE_BPS), so a swap that
# lands while the droid mints does not make the mint fail (1.5 WETH, 3%, did on the first start).
SWAP_WETH_RANGE = (ETHER // 20, 3 * ETHER // 10)


@dataclass(frozen=True)
class DroidDemo:
    droid: Droid | None
    created: bool


def _fund_wallet(w3: Web3, *, funder: str, address: str, weth: str, usdc: str) -> None:
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": funder, "to": address, "value": WALLET_ETH}))
    send(w3, erc20(w3, weth).functions.deposit(), funder, value=WALLET_WETH)
    send(w3, erc20(w3, weth).functions.transfer(address, WALLET_WETH), funder)
    send(w3, mock_usdc(w3, usdc).functions.mint(address, WALLET_USDC), funder)


def seed_droid_demo(*, w3: Web3, user: Any, admin: Any) -> DroidDemo:
    """A running droid for `user` on the local pool with a newly funded wallet, unless they have
    one there already. Droids of `user` on a pool the chain no longer has (a new local node) are
    closed by `admin`, saying why, so the demo never shows a droid failing on a dead pool."""
    uniswap = local_uniswap(w3)
    if uniswap is None:
        raise ValueError("No Uniswap deployment on this chain: run deploy_uniswap first.")
    pool = register_local_pool(w3=w3, uniswap=uniswap)
    mine = Droid.objects.filter(owner=user).exclude(active=DroidActive.CLOSED)
    current = mine.filter(pool=pool).first()
    if current is not None:
        return DroidDemo(droid=current, created=False)
    for stale in mine:
        stale.active = DroidActive.CLOSED
        stale.save(update_fields=["active", "updated_at"])
        open_session(droid=stale, active=DroidActive.CLOSED, user=admin, reason="the local chain was reset")
    wallet = Account.create()
    funder = Web3.to_checksum_address(w3.eth.accounts[FUNDER])
    _fund_wallet(w3, funder=funder, address=wallet.address, weth=uniswap.weth, usdc=uniswap.usdc)
    account = create_droid_account(
        user=user, private_key=wallet.key.hex(), label="Demo wallet", chain_id=w3.eth.chain_id
    )
    droid = create_droid(user=user, pool_id=pool.id, account_id=account.id, config=DEMO_CONFIG)
    set_droid_active(user=user, droid_id=droid.id, active=DroidActive.RUNNING)
    return DroidDemo(droid=droid, created=True)


def _usdc_per_weth(w3: Web3, pool_address: str, *, weth_is_token0: bool) -> Fraction:
    sqrt_price = contract(w3, "UniswapV3Pool", pool_address).functions.slot0().call()[0]
    raw = Fraction(sqrt_price * sqrt_price, Q96 * Q96)  # token1 raw per token0 raw
    per_weth = raw if weth_is_token0 else 1 / raw
    return per_weth * Fraction(10**18, 10**6)


def _usd(price: Fraction) -> str:
    return f"{Decimal(price.numerator) / Decimal(price.denominator):,.2f}"


def demo_swap(*, w3: Web3, rng: random.Random | None = None) -> str:
    """One swap of 0.05 to 0.3 WETH's worth, selling WETH when the price is above
    the pool's starting price and buying it when below: the price wanders a few percent around
    it, past the demo droid's 1% triggers now and then. Returns what it did, in words."""
    rng = rng or random.Random()  # noqa: S311 - a demo's market noise, not a secret
    uniswap = local_uniswap(w3)
    if uniswap is None:
        return "no Uniswap deployment on this chain"
    swapper = Web3.to_checksum_address(w3.eth.accounts[SWAPPER])
    weth_is_token0 = int(uniswap.weth, 16) < int(uniswap.usdc, 16)
    price = _usdc_per_weth(w3, uniswap.pool, weth_is_token0=weth_is_token0)
    weth_amount = rng.randint(*SWAP_WETH_RANGE)
    # A nudge against the drift, with a coin toss so the walk is not a plain see-saw.
    sell_weth = (price > INITIAL_USDC_PER_WETH) != (rng.random() < 0.3)
    if sell_weth:
        swap(w3, uniswap, sender=swapper, token_in=uniswap.weth, amount_in=weth_amount)
        return f"sold {Decimal(weth_amount).scaleb(-18):.4f} WETH at about {_usd(price)} USDC"
    usdc_amount = int(Fraction(weth_amount, 10**12) * price)
    send(w3, mock_usdc(w3, uniswap.usdc).functions.mint(swapper, usdc_amount), swapper)
    swap(w3, uniswap, sender=swapper, token_in=uniswap.usdc, amount_in=usdc_amount)
    return f"bought WETH for {Decimal(usdc_amount).scaleb(-6):,.2f} USDC at about {_usd(price)} USDC"
