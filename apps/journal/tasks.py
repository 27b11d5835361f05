"""Thin Celery tasks: each takes ids, calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def update_journal(user_id: str, exchange_account_id: str | None, symbols: list[str]) -> None:
    """Match the new fills of these series into the journal's trades (sent after they commit)."""
    from apps.journal.services.updates import update_journal as update

    update(user_id=user_id, exchange_account_id=exchange_account_id, symbols=symbols)


@shared_task(ignore_result=True)
def measure_excursions(trade_ids: list[str]) -> None:
    """MAE and MFE of these journal trades from their candles (sent after they commit)."""
    from apps.journal.services.excursions import measure_excursions as measure

    measure(trade_ids=trade_ids)


@shared_task(ignore_result=True)
def remove_orphan_journal_files() -> None:
    """Beat: remove image files no row names, older than an hour."""
    from apps.journal.services.orphans import remove_orphan_files

    remove_orphan_files()


@shared_task(ignore_result=True)
def sweep_journal_series() -> None:
    """Redo the journal updates whose task was lost (beat, every few minutes)."""
    from apps.journal.services.updates import sweep_journal_series as sweep

    sweep()
