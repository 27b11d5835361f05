"""What beat sends and how often (config/settings.py hands it to Celery as CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from config.env import env


def _every(task: str, **interval: int) -> dict[str, object]:
    return {"task": task, "schedule": timedelta(**interval)}


BEAT_SCHEDULE = {
    "purge-expired-credentials": _every("apps.accounts.tasks.purge_expired_credentials", hours=1),
    "index-chain": _every("apps.jobs.tasks.index_chain", seconds=5),
    # Whole blocks, transactions and token transfers (issue 12); the jobs follower above keeps
    # its own cursor and only reads its contracts' logs.
    "index-chain-blocks": _every("apps.indexer.tasks.index_chain_blocks", seconds=3),
    "expire-overdue-jobs": _every("apps.jobs.tasks.expire_overdue_jobs", seconds=60),
    "poll-proofs": _every("apps.jobs.tasks.poll_proofs", seconds=30),
    "tick-market": _every("apps.exchanges.tasks.tick_market", seconds=2),
    "sync-trade-groups": _every("apps.trades.tasks.sync_trade_groups", seconds=3),
    "expire-orders": _every("apps.trades.tasks.expire_orders", seconds=10),
    "watch-risk": _every("apps.trades.tasks.watch_risk", seconds=60),
    "resume-history-imports": _every("apps.trades.tasks.resume_history_imports", seconds=60),
    "remove-orphan-journal-files": _every("apps.journal.tasks.remove_orphan_journal_files", hours=1),
    # The journal updates a down broker lost (apps/journal/services/updates.py).
    "sweep-journal-series": _every("apps.journal.tasks.sweep_journal_series", minutes=5),
    # Attested TEE balance snapshots of running CEX_CAPITAL jobs, put on chain (issue 13).
    "poll-tee-snapshots": _every(
        "apps.tee.tasks.poll_tee_snapshots", seconds=env.int("TEE_SNAPSHOT_SECONDS", default=4 * 60 * 60)
    ),
    # One engine run per running droid, and closing attempts for droids being reset or closed (issue 14).
    "run-droids": _every("apps.droids.tasks.run_droids", seconds=env.int("DROID_RUN_SECONDS", default=60)),
}
