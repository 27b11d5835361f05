"""The droids' chain client against a real WETH/USDC pool on anvil, and the ported math against
the contracts: the pool's tick, the position manager's liquidity and the pool's burn amounts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from eth_account import Account

from apps.droids import v3math
from apps.droids.chain import DroidChain, Fees, ReceiptTimeout, TransactionReverted
from apps.droids.ladder import LadderConfig, PoolState, plan_ladder
from apps.indexer.uniswap.deploy import FEE
from tests.droids.engine_support import ETHER, USDC, LocalPool, local_pool_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

FEES = Fees(max_fee_per_gas=100 * 10**9, max_priority_fee_per_gas=10**9)


def wallet_chain(local: LocalPool, **funding) -> DroidChain:
    wallet = Account.create()
    local.fund(wallet.address, **funding)
    return DroidChain(local.w3, private_key=wallet.key.hex(), position_manager=local.uniswap.position_manager)


def ladder(local: LocalPool, chain: DroidChain) -> list:
    reading = chain.read_pool(local.uniswap.pool)
    decimals = (18, 6) if local.weth_is_token0 else (6, 18)
    low, high = sorted((local.usdc_per_weth(Decimal(2000)), local.usdc_per_weth(Decimal(4000))))
    config = LadderConfig(10, 0, "GAUSSIAN", 5, low, high, Decimal(0))
    state = PoolState(reading.sqrt_price_x96, reading.tick, reading.tick_spacing, *decimals)
    return reading, plan_ladder(config, state, 5_000 * USDC if local.weth_is_token0 else 2 * ETHER)


def mint(chain: DroidChain, reading, planned):
    for token in (reading.token0, reading.token1):
        chain.ensure_allowance(token, max(planned.amount0, planned.amount1), FEES)
    return chain.mint(
        token0=reading.token0,
        token1=reading.token1,
        fee=FEE,
        tick_lower=planned.tick_lower,
        tick_upper=planned.tick_upper,
        amount0=planned.amount0,
        amount1=planned.amount1,
        amount0_min=0,
        amount1_min=0,
        fees=FEES,
    )


def test_the_pools_tick_is_the_ported_tick_of_its_price_before_and_after_a_swap(local_pool):
    chain = wallet_chain(local_pool)
    before = chain.read_pool(local_pool.uniswap.pool)
    local_pool.swap(token_in=local_pool.uniswap.weth, amount_in=3 * ETHER)
    after = chain.read_pool(local_pool.uniswap.pool)

    assert before.tick != after.tick
    for reading in (before, after):
        assert reading.tick == v3math.tick_at_sqrt_ratio(reading.sqrt_price_x96)
        assert reading.fee == FEE and reading.tick_spacing == 60


def test_every_planned_position_mints_exactly_its_planned_liquidity(local_pool):
    chain = wallet_chain(local_pool)
    reading, plan = ladder(local_pool, chain)

    minted = [mint(chain, reading, planned) for planned in plan]

    assert [m.liquidity for m in minted] == [p.liquidity for p in plan]
    assert sorted(chain.owned_token_ids()) == sorted(m.token_id for m in minted)
    for planned, token in zip(plan, minted, strict=True):
        position = chain.position(token.token_id)
        assert (position.tick_lower, position.tick_upper, position.liquidity) == (
            planned.tick_lower,
            planned.tick_upper,
            planned.liquidity,
        )
        assert token.amount0 <= planned.amount0 and token.amount1 <= planned.amount1


def test_closing_a_position_pays_the_ported_amounts_and_burns_it(local_pool):
    chain = wallet_chain(local_pool)
    reading, plan = ladder(local_pool, chain)
    middle = next(p for p in plan if p.amount0 and p.amount1)
    token = mint(chain, reading, middle)
    now = chain.read_pool(local_pool.uniswap.pool)
    expected = v3math.amounts_for_liquidity(
        now.sqrt_price_x96,
        v3math.sqrt_ratio_at_tick(middle.tick_lower),
        v3math.sqrt_ratio_at_tick(middle.tick_upper),
        token.liquidity,
    )

    assert chain.withdrawable(token.token_id, token.liquidity) == expected
    closed = chain.close(token.token_id, FEES)

    assert (closed.amount0, closed.amount1) == expected
    assert (closed.fees0, closed.fees1) == (0, 0)
    assert chain.owned_token_ids() == []


def test_a_mint_the_wallet_cannot_pay_is_refused_as_a_revert_before_it_is_sent(local_pool):
    chain = wallet_chain(local_pool, weth=0, usdc=0)
    reading, plan = ladder(local_pool, chain)
    nonce = local_pool.w3.eth.get_transaction_count(chain.address)

    with pytest.raises(TransactionReverted, match=r"STF \(a token transfer from the wallet failed"):
        mint(chain, reading, replace(plan[0]))

    # Only the two approvals went out.
    assert local_pool.w3.eth.get_transaction_count(chain.address) == nonce + 2


def test_a_transaction_without_a_receipt_times_out_with_its_hash(local_pool):
    chain = wallet_chain(local_pool)
    chain.receipt_timeout = 1
    local_pool.w3.provider.make_request("evm_setAutomine", [False])
    try:
        with pytest.raises(ReceiptTimeout, match="no receipt") as raised:
            chain.ensure_allowance(local_pool.uniswap.usdc, 1, FEES)
    finally:
        local_pool.w3.provider.make_request("evm_setAutomine", [True])
    assert raised.value.tx_hash.startswith("0x")


def test_the_wallet_reads_its_ether_and_token_balances(local_pool):
    chain = wallet_chain(local_pool, eth=3 * ETHER, weth=2 * ETHER, usdc=1_234 * USDC)

    assert chain.eth_balance() == 3 * ETHER
    assert chain.token_balance(local_pool.uniswap.weth) == 2 * ETHER
    assert chain.token_balance(local_pool.uniswap.usdc) == 1_234 * USDC
