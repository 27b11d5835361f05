"""Thin Celery tasks: each takes ids, calls one service, and lets the service do the work."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def sync_trade_groups() -> None:
    """Follow fills of every open trade group (beat, every few seconds)."""
    from apps.trades.services.sync import sync_open_groups

    sync_open_groups()


@shared_task(ignore_result=True)
def watch_risk() -> None:
    """Record each account's starting equity for the day and flag daily-drawdown breaches."""
    from apps.trades.services.risk import watch_daily_drawdown

    watch_daily_drawdown()


@shared_task(ignore_result=True)
def expire_orders() -> None:
    """Cancel orders whose `expiresAt` has passed."""
    from apps.trades.services.orders import expire_due_orders

    expire_due_orders()


@shared_task(ignore_result=True, acks_late=True)
def import_history(import_id: str) -> None:
    from apps.trades.services.imports import run_history_import

    run_history_import(import_id=import_id)


@shared_task(ignore_result=True)
def resume_history_imports() -> None:
    """Restart imports whose worker died (no progress for a while), from their saved cursor."""
    from apps.trades.services.imports import resume_stalled_imports

    resume_stalled_imports()
