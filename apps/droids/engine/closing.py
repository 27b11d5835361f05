"""Closing every position of a droid being reset (active 2) or closed (active 3).

`close_droid_positions(*, droid_id, reason="")`: lock the droid (skipped when another worker
holds it, or it is RUNNING or PAUSED) and its wallet, reconcile the bot rows with the chain
(engine/positions.py), close every ACTIVE position (fees into the bots' fees0/fees1) and record
a CLOSED run and a history row. A ChainError records a FAILED run and counts a failure; the
beat (`due_closing_ids`) tries again while positions remain, until DROID_MAX_FAILURES failures
in a row, after which the droid waits for someone to look (its runs say why).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.droids.chain import ChainError
from apps.droids.engine import positions
from apps.droids.engine.history import to_scale, write_history
from apps.droids.engine.run import lock_droid, record_failure
from apps.droids.ladder import price_for_sqrt
from apps.droids.models import BotStatus, Droid, DroidActive, DroidRun, RunOutcome

CLOSING = (DroidActive.RESET, DroidActive.CLOSED)


def due_closing_ids() -> list[int]:
    """Droids being reset or closed that still hold positions and have not failed too often."""
    return list(
        Droid.objects.filter(
            active__in=CLOSING,
            bots__status=BotStatus.ACTIVE,
            consecutive_failures__lt=settings.DROID_MAX_FAILURES,
        )
        .distinct()
        .values_list("id", flat=True)
    )


def close_droid_positions(*, droid_id: int, reason: str = "") -> DroidRun | None:
    with transaction.atomic():
        droid = lock_droid(droid_id, *CLOSING)
        if droid is None:
            return None
        now = timezone.now()
        try:
            chain = positions.chain_for(droid)
            reading = positions.read_pool(droid, chain)
            positions.reconcile_bots(droid=droid, chain=chain, reading=reading, now=now)
            closed = positions.close_bots(droid=droid, chain=chain, now=now)
            pool = droid.pool
            price = price_for_sqrt(reading.sqrt_price_x96, pool.token0_decimals, pool.token1_decimals)
            write_history(
                droid=droid,
                chain=chain,
                reading=reading,
                price=price,
                prices=positions.usd_prices(droid, price),
                now=now,
            )
        except ChainError as exc:
            return record_failure(droid, now=now, message=f"closing positions: {exc}")
        droid.consecutive_failures = 0
        droid.last_run_at = now
        droid.save()
        detail = f"closed {closed} positions" + (f" ({reason})" if reason else "")
        return DroidRun.objects.create(
            droid=droid,
            ran_at=now,
            outcome=RunOutcome.CLOSED,
            detail=detail,
            block_number=reading.block_number,
            price=to_scale(price),
        )
