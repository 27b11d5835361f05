"""The droid engine on anvil with a real WETH/USDC pool: minting the ladder, rebalancing after a
swap, waiting out high gas, pausing after repeated failures, recovering lost rows, closing, and
history rows that match what the position manager would pay out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.droids.engine.closing import close_droid_positions
from apps.droids.engine.positions import chain_for
from apps.droids.engine.run import run_droid
from apps.droids.models import BotStatus, DroidActive, DroidBot, DroidHistory, DroidPool, RunOutcome, SessionStatus
from apps.droids.tasks import run_droids
from apps.indexer.rpc import chain_client
from tests.core.servers import free_port
from tests.droids.engine_support import ETHER, LocalPool, local_pool_fixture, make_droid  # noqa: F401

pytestmark = pytest.mark.django_db

GWEI = 10**9


def held_on_chain(droid) -> dict[int, tuple[int, int, int]]:
    chain = chain_for(droid)
    return {
        token_id: (p.tick_lower, p.tick_upper, p.liquidity)
        for token_id in chain.owned_token_ids()
        if (p := chain.position(token_id)).liquidity
    }


def active_bots(droid) -> dict[int, tuple[int, int, int]]:
    return {
        int(b.token_id): (b.tick_lower, b.tick_upper, int(b.liquidity))
        for b in DroidBot.objects.filter(droid=droid, status=BotStatus.ACTIVE)
    }


def payout(droid) -> tuple[int, int]:
    """What closing every active position now would pay out, asked of the position manager."""
    chain = chain_for(droid)
    amounts = [chain.withdrawable(token_id, liquidity) for token_id, (_, _, liquidity) in active_bots(droid).items()]
    return sum(a for a, _ in amounts), sum(b for _, b in amounts)


def assert_history_matches_chain(droid) -> None:
    history = DroidHistory.objects.filter(droid=droid).first()
    pool = droid.pool
    raw0, raw1 = payout(droid)
    assert history.token0_positions == Decimal(raw0) / 10**pool.token0_decimals
    assert history.token1_positions == Decimal(raw1) / 10**pool.token1_decimals


def test_a_running_droid_mints_its_ladder_and_the_rows_match_the_chain(local_pool):
    droid = make_droid(local_pool)

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.MINTED, run.detail
    bots = active_bots(droid)
    assert len(bots) == 3
    assert bots == held_on_chain(droid)
    assert_history_matches_chain(droid)
    history = DroidHistory.objects.get(droid=droid)
    # About the funding went in (rounding, the mint's own rounding): 10,000 USD.
    assert Decimal(9_990) < history.aum <= Decimal(10_000)
    assert history.eth_wallet < 10  # gas was paid
    droid.refresh_from_db()
    assert droid.gas_spent_eth > 0 and droid.consecutive_failures == 0


def test_a_droid_whose_price_stays_in_its_ladder_does_nothing(local_pool):
    droid = make_droid(local_pool)
    run_droid(droid_id=droid.id)
    before = held_on_chain(droid)

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.IN_RANGE
    assert "within the ladder" in run.detail
    assert held_on_chain(droid) == before == active_bots(droid)
    assert DroidHistory.objects.filter(droid=droid).count() == 2


def test_a_swap_past_the_trigger_makes_the_next_run_rebalance(local_pool):
    droid = make_droid(local_pool)
    run_droid(droid_id=droid.id)
    old = set(active_bots(droid))
    local_pool.swap(token_in=local_pool.uniswap.weth, amount_in=15 * ETHER)

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.REBALANCED, run.detail
    assert "trigger" in run.detail
    new = active_bots(droid)
    assert new == held_on_chain(droid)
    assert not old & set(new)  # the old positions were burned, new ones minted
    assert set(DroidBot.objects.filter(droid=droid, status=BotStatus.CLOSED).values_list("token_id", flat=True)) == old
    assert all(b.close_tx for b in DroidBot.objects.filter(droid=droid, status=BotStatus.CLOSED))
    assert_history_matches_chain(droid)


def test_a_gas_price_above_the_limit_makes_the_droid_wait_without_sending(local_pool):
    droid = make_droid(local_pool, max_gas_price=Decimal(50))
    local_pool.w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(200 * GWEI)])
    local_pool.w3.provider.make_request("evm_mine", [])
    assert local_pool.w3.eth.gas_price > 50 * GWEI

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.GAS_TOO_HIGH
    assert run.gas_price_gwei > 50 and "above the limit 50" in run.detail
    assert local_pool.w3.eth.get_transaction_count(droid.account.address) == 0
    assert not DroidBot.objects.filter(droid=droid).exists()
    assert DroidHistory.objects.filter(droid=droid).count() == 1


def test_a_failing_transaction_pauses_the_droid_after_three_failed_runs(local_pool):
    droid = make_droid(local_pool, funding={"weth": 0, "usdc": 0})

    runs = [run_droid(droid_id=droid.id) for _ in range(3)]

    assert [r.outcome for r in runs] == [RunOutcome.FAILED] * 3
    assert all("reverted" in r.detail for r in runs)
    droid.refresh_from_db()
    assert droid.active == DroidActive.PAUSED
    assert droid.consecutive_failures == 3
    assert "paused after 3 failed runs" in droid.paused_reason
    paused = droid.sessions.get(stopped_at__isnull=True)
    assert (paused.status, paused.started_by, paused.reason) == (SessionStatus.PAUSED, None, droid.paused_reason)
    assert droid.sessions.get(status=SessionStatus.RUNNING).stopped_at is not None
    assert run_droid(droid_id=droid.id) is None  # a paused droid is not run


def test_positions_whose_rows_were_lost_are_adopted_not_minted_again(local_pool):
    droid = make_droid(local_pool)
    run_droid(droid_id=droid.id)
    on_chain = held_on_chain(droid)
    DroidBot.objects.filter(droid=droid).delete()  # as if the run's commit never happened

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.IN_RANGE
    assert "adopted position" in run.detail
    assert active_bots(droid) == on_chain == held_on_chain(droid)


def test_closing_a_droid_burns_its_positions_and_keeps_the_fees(local_pool):
    droid = make_droid(local_pool)
    run_droid(droid_id=droid.id)
    # Trade through the droid's in-range position both ways, so it earns fees.
    local_pool.swap(token_in=local_pool.uniswap.weth, amount_in=ETHER)
    local_pool.swap(token_in=local_pool.uniswap.usdc, amount_in=3_000 * 10**6)
    droid.active = DroidActive.CLOSED
    droid.save(update_fields=["active"])

    run = close_droid_positions(droid_id=droid.id, reason="closed by the owner")

    assert run.outcome == RunOutcome.CLOSED and "closed 3 positions" in run.detail
    assert held_on_chain(droid) == {} == active_bots(droid)
    bots = DroidBot.objects.filter(droid=droid)
    assert sum(int(b.fees0) + int(b.fees1) for b in bots) > 0
    assert DroidHistory.objects.filter(droid=droid).first().fees_usd > 0


def test_the_beat_runs_every_running_droid(local_pool, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    running = make_droid(local_pool)
    paused = make_droid(local_pool, active=DroidActive.PAUSED)

    run_droids()

    assert running.runs.get().outcome == RunOutcome.MINTED
    assert not paused.runs.exists()


def test_an_ema_droid_rebalances_only_once_its_ema_has_followed_the_price(local_pool):
    droid = make_droid(local_pool, trigger_type="EMA")
    run_droid(droid_id=droid.id)
    local_pool.swap(token_in=local_pool.uniswap.weth, amount_in=4 * ETHER)

    outcomes = [run_droid(droid_id=droid.id).outcome for _ in range(10)]

    # The spot price is past the trigger at once; the EMA gets there a few runs later.
    assert outcomes[0] == RunOutcome.IN_RANGE
    assert RunOutcome.REBALANCED in outcomes
    assert active_bots(droid) == held_on_chain(droid)


def test_a_run_that_minted_part_of_the_ladder_is_completed_by_the_next(local_pool):
    only_token1 = {"weth": 0} if local_pool.weth_is_token0 else {"usdc": 0}
    droid = make_droid(local_pool, funding=only_token1)

    failed = run_droid(droid_id=droid.id)
    assert failed.outcome == RunOutcome.FAILED
    assert len(active_bots(droid)) == 1  # the bucket below the price needs token1 only
    local_pool.fund(droid.account.address, eth=0)

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.MINTED and "completed the ladder" in run.detail
    assert len(active_bots(droid)) == 3
    assert active_bots(droid) == held_on_chain(droid)


def test_a_droid_that_spent_its_gas_budget_is_paused(local_pool):
    droid = make_droid(local_pool, gas_budget_limit=Decimal("0.000001"))

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.MINTED
    droid.refresh_from_db()
    assert droid.active == DroidActive.PAUSED
    assert droid.paused_reason.startswith("gas budget spent")


def test_a_pool_row_that_is_not_the_contract_on_chain_fails_without_sending(local_pool):
    droid = make_droid(local_pool)
    DroidPool.objects.filter(pk=droid.pool_id).update(token0="0x" + "ab" * 20)

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.FAILED
    assert "is not the droid's" in run.detail
    assert local_pool.w3.eth.get_transaction_count(droid.account.address) == 0


def test_a_node_that_does_not_answer_fails_the_run_with_a_reason(local_pool, settings):
    droid = make_droid(local_pool)
    settings.RPC_URL = f"http://127.0.0.1:{free_port()}"
    chain_client.cache_clear()

    run = run_droid(droid_id=droid.id)

    assert run.outcome == RunOutcome.FAILED
    assert run.detail.startswith("node error") and "127.0.0.1" not in run.detail
    droid.refresh_from_db()
    assert droid.consecutive_failures == 1 and droid.active == DroidActive.RUNNING
