"""One engine run of one droid: read the pool, decide, act on the chain, record.

`run_droid(*, droid_id)`, in this order:
1. Lock. In one transaction, lock the wallet's row, so one wallet never sends from two runs at
   once (the chain client's nonces rely on it), then the droid row (skipped, returning None,
   when another worker holds it or the droid is not RUNNING): the order the API's services
   take the two in.
2. Read the pool (slot0, liquidity, spacing) and the gas price. Update the price EMA.
3. Gas. Above the droid's `max_gas_price` (gwei): GAS_TOO_HIGH, nothing is sent.
4. Reconcile the bot rows with the positions the wallet holds (see below).
5. Act. No ACTIVE bot: mint the planned ladder (MINTED). Held ranges that are part of the
   ladder planned now (a failed run minted only some): mint the missing rest (MINTED).
   Otherwise ask the ladder's rebalance rule (trigger type, falling/rising triggers,
   derivative threshold from the price at the last mint or rebalance): when it fires and the
   new plan differs from the held ranges, close every position (fees into the bots'
   fees0/fees1) and mint the new ladder (REBALANCED); else IN_RANGE.
6. Record a DroidRun and a DroidHistory row (engine/history.py), reset the failure count, and
   pause the droid when its gas budget is spent.

Failures. A ChainError (node down, revert, receipt timeout) or a LadderError (a config that
makes no ladder) ends the run as FAILED with the message and adds one to
`consecutive_failures`; at DROID_MAX_FAILURES in a row the droid is paused with the reason
(a PAUSED session started by no one). Each beat is one attempt: retries are bounded by that
count, never by a loop inside a run.

Crashes. Chain transactions cannot roll back with the database, so each bot row is written
right after its transaction's receipt and the run's rows commit at its end. If the process
dies in between (or the commit fails), the chain holds positions or burns the rows lost. Step 4
repairs that on the next run from the position manager itself: ACTIVE rows whose NFT the wallet
no longer holds are marked CLOSED, and positions on the droid's pool the wallet holds but no
row knows are adopted as ACTIVE bots. A mint that half happened therefore never mints twice:
the adopted positions count as the ladder and the rebalance rule decides from there.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.droids.chain import ChainError
from apps.droids.engine import positions
from apps.droids.engine.history import to_scale, write_history
from apps.droids.ladder import LadderError, next_ema, price_for_sqrt, price_for_tick, should_rebalance
from apps.droids.models import (
    BotStatus,
    Droid,
    DroidAccount,
    DroidActive,
    DroidRun,
    RunOutcome,
    TriggerType,
)
from apps.droids.pricing import trader_price
from apps.droids.services import open_session

DETAIL_LENGTH = 500


def due_droid_ids() -> list[int]:
    """The droids the beat runs: every RUNNING one."""
    return list(Droid.objects.filter(active=DroidActive.RUNNING).values_list("id", flat=True))


def lock_droid(droid_id: int, *states: int) -> Droid | None:
    """The droid, locked with its wallet, when it is in one of `states` and no one else holds it.

    The wallet first, then the droid, the order the API's services take them in: the other way
    round, a run and a new droid on the same wallet could each wait for the other's row."""
    account_id = Droid.objects.filter(pk=droid_id).values_list("account_id", flat=True).first()
    if account_id is None:
        return None
    DroidAccount.objects.select_for_update().filter(pk=account_id).first()
    return (
        Droid.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("pool", "account")
        .filter(pk=droid_id, active__in=states)
        .first()
    )


def pause_droid(droid: Droid, *, reason: str) -> None:
    """The engine pausing `droid` by itself, with the reason the trader sees; the caller holds
    the droid's lock and saves it."""
    droid.active = DroidActive.PAUSED
    droid.paused_reason = reason
    open_session(droid=droid, active=DroidActive.PAUSED, user=None, reason=reason)


def record_failure(droid: Droid, *, now, message: str, **run_fields) -> DroidRun:
    """A FAILED run; pauses the droid at DROID_MAX_FAILURES failures in a row."""
    droid.consecutive_failures += 1
    detail = message[:DETAIL_LENGTH]
    if droid.active == DroidActive.RUNNING and droid.consecutive_failures >= settings.DROID_MAX_FAILURES:
        reason = f"paused after {droid.consecutive_failures} failed runs in a row; last: {message}"
        pause_droid(droid, reason=reason[:DETAIL_LENGTH])
    droid.last_run_at = now
    droid.save()
    return DroidRun.objects.create(droid=droid, ran_at=now, outcome=RunOutcome.FAILED, detail=detail, **run_fields)


def run_droid(*, droid_id: int) -> DroidRun | None:
    """One run of the droid (module docstring); None when it was not run."""
    with transaction.atomic():
        droid = lock_droid(droid_id, DroidActive.RUNNING)
        if droid is None:
            return None
        return _run_locked(droid)


def _run_locked(droid: Droid) -> DroidRun:
    now = timezone.now()
    try:
        chain = positions.chain_for(droid)
        reading = positions.read_pool(droid, chain)
        gas_wei = chain.gas_price_wei()
    except ChainError as exc:
        return record_failure(droid, now=now, message=str(exc))
    pool = droid.pool
    pool_price = price_for_sqrt(reading.sqrt_price_x96, pool.token0_decimals, pool.token1_decimals)
    prices = positions.usd_prices(droid, pool_price)
    price = trader_price(pool, pool_price)  # what the runs, history, EMA and triggers speak in
    droid.price_ema = to_scale(next_ema(droid.price_ema, price))
    gas_gwei = to_scale(Decimal(gas_wei) / positions.GWEI)
    run_fields = {"block_number": reading.block_number, "gas_price_gwei": gas_gwei, "price": to_scale(price)}
    try:
        if gas_gwei > droid.max_gas_price:
            outcome, detail = (
                RunOutcome.GAS_TOO_HIGH,
                f"gas price {gas_gwei:f} gwei is above the limit {droid.max_gas_price:f}",
            )
        else:
            outcome, detail = _act(droid, chain, reading, price, prices, now)
        write_history(droid=droid, chain=chain, reading=reading, price=price, prices=prices, now=now)
    except (ChainError, LadderError) as exc:
        return record_failure(droid, now=now, message=str(exc), **run_fields)
    droid.consecutive_failures = 0
    droid.last_run_at = now
    if droid.gas_budget_limit is not None and droid.gas_spent_eth >= droid.gas_budget_limit:
        reason = f"gas budget spent: {droid.gas_spent_eth:f} ETH of {droid.gas_budget_limit:f}"
        pause_droid(droid, reason=reason)
    droid.save()
    return DroidRun.objects.create(
        droid=droid, ran_at=now, outcome=outcome, detail=detail[:DETAIL_LENGTH], **run_fields
    )


def _act(droid: Droid, chain, reading, price: Decimal, prices, now) -> tuple[str, str]:
    notes = positions.reconcile_bots(droid=droid, chain=chain, reading=reading, now=now)
    held = list(droid.bots.filter(status=BotStatus.ACTIVE).order_by("tick_lower"))
    plan = positions.plan_for(droid, reading, prices)
    if not held:
        bots = positions.mint_ladder(
            droid=droid, chain=chain, plan=plan, sqrt_price_x96=reading.sqrt_price_x96, now=now
        )
        return RunOutcome.MINTED, "; ".join([*notes, f"minted {len(bots)} positions"])
    held_ranges = {(b.tick_lower, b.tick_upper) for b in held}
    planned_ranges = {(p.tick_lower, p.tick_upper) for p in plan}
    if held_ranges < planned_ranges:
        # A run that failed part way through minting left part of this very ladder: finish it.
        missing = [p for p in plan if (p.tick_lower, p.tick_upper) not in held_ranges]
        bots = positions.mint_ladder(
            droid=droid, chain=chain, plan=missing, sqrt_price_x96=reading.sqrt_price_x96, now=now
        )
        return RunOutcome.MINTED, "; ".join([*notes, f"completed the ladder: minted {len(bots)} missing positions"])
    pool = droid.pool
    decimals = (pool.token0_decimals, pool.token1_decimals)
    edges = sorted(
        trader_price(pool, price_for_tick(tick, *decimals))
        for tick in (held[0].tick_lower, max(bot.tick_upper for bot in held))
    )
    decision = should_rebalance(
        reference=price if droid.trigger_type == TriggerType.PRICE else droid.price_ema,
        lower_edge=edges[0],
        upper_edge=edges[1],
        falling_trigger=droid.falling_rebalance_trigger,
        rising_trigger=droid.rising_rebalance_trigger,
        derivative_threshold=droid.derivative_threshold,
        anchor=_anchor(droid),
    )
    if not decision.fire:
        return RunOutcome.IN_RANGE, "; ".join([*notes, decision.reason])
    if planned_ranges == held_ranges:
        reason = f"{decision.reason}, but the ladder is already the nearest to the price within its bounds"
        return RunOutcome.IN_RANGE, "; ".join([*notes, reason])
    # Closing pays tokens back to the wallet without moving the pool's price: the plan stands.
    closed = positions.close_bots(droid=droid, chain=chain, now=now)
    bots = positions.mint_ladder(droid=droid, chain=chain, plan=plan, sqrt_price_x96=reading.sqrt_price_x96, now=now)
    return RunOutcome.REBALANCED, "; ".join([*notes, f"{decision.reason}: closed {closed}, minted {len(bots)}"])


def _anchor(droid: Droid) -> Decimal | None:
    """The price at the droid's last mint or rebalance."""
    placed = droid.runs.filter(outcome__in=[RunOutcome.MINTED, RunOutcome.REBALANCED])
    return placed.values_list("price", flat=True).first()
