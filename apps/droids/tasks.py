"""Thin Celery tasks for the droid engine: each takes ids and calls one engine service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="apps.droids.tasks.run_droids", ignore_result=True)
def run_droids() -> None:
    """Beat, every DROID_RUN_SECONDS: one run per RUNNING droid, and one more closing attempt
    per droid being reset or closed that still holds positions."""
    from apps.droids.engine.closing import due_closing_ids
    from apps.droids.engine.run import due_droid_ids

    for droid_id in due_droid_ids():
        run_droid.delay(droid_id)
    for droid_id in due_closing_ids():
        close_droid_positions.delay(droid_id)


@shared_task(name="apps.droids.tasks.run_droid", ignore_result=True)
def run_droid(droid_id: int) -> None:
    from apps.droids.engine.run import run_droid as run

    run(droid_id=droid_id)


# The droids API sends this one by name when a droid is reset or closed.
@shared_task(name="apps.droids.tasks.close_droid_positions", ignore_result=True)
def close_droid_positions(droid_id: int, reason: str = "") -> None:
    from apps.droids.engine.closing import close_droid_positions as close

    close(droid_id=droid_id, reason=reason)
