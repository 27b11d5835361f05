"""The engine pausing a droid by itself (repeated failures, gas budget spent)."""

from __future__ import annotations

from datetime import datetime

from apps.droids.models import Droid, DroidActive, DroidSession, SessionStatus


def pause_droid(droid: Droid, *, reason: str, now: datetime) -> None:
    """Pause `droid` with a reason the trader sees: the open session ends and a PAUSED one,
    started by no one (the engine), begins. The caller holds the droid's lock and saves it."""
    droid.active = DroidActive.PAUSED
    droid.paused_reason = reason
    DroidSession.objects.filter(droid=droid, stopped_at__isnull=True).update(stopped_at=now)
    DroidSession.objects.create(
        droid=droid, status=SessionStatus.PAUSED, started_at=now, started_by=None, reason=reason
    )
