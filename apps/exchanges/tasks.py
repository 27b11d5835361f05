"""Thin Celery tasks of the exchanges app."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True, expires=10)
def tick_market() -> None:
    """Move the paper exchange's prices one step, fill what they cross, publish (beat, every 2 s)."""
    from apps.exchanges.paper.feed import tick_market as tick

    tick()
