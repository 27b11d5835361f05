"""Thin Celery tasks over apps/tee/services.py's snapshots."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.core.errors import ApiError
from apps.tee.services import SnapshotRefused, running_cex_capital_job_ids, take_tee_snapshot

logger = logging.getLogger(__name__)


def _snapshot(job_id: int) -> str:
    try:
        result = take_tee_snapshot(job_id=job_id)
    # Whatever stops one job's snapshot is logged and the other jobs go on; the next poll retries.
    except SnapshotRefused as exc:  # no TEE task (the gateway's 404), invalid signature, revert
        logger.warning("No TEE snapshot of job %s this run: %s", job_id, exc)
        return "failed"
    except ApiError as exc:  # the gateway is down (502) or slow (504)
        logger.warning("No TEE snapshot of job %s this run: %s %s", job_id, exc.status_code, exc.detail)
        return "failed"
    except Exception:  # the node is down, the transaction reverted at estimation, ...
        logger.warning("No TEE snapshot of job %s this run", job_id, exc_info=True)
        return "failed"
    return "submitted" if result.submitted else "unchanged"


@shared_task(name="apps.tee.tasks.poll_tee_snapshots")
def poll_tee_snapshots() -> dict[str, str]:
    """Every running CEX_CAPITAL job's snapshot: {job id: submitted | unchanged | failed}."""
    return {str(job_id): _snapshot(job_id) for job_id in running_cex_capital_job_ids()}


@shared_task(name="apps.tee.tasks.take_tee_snapshot")
def take_tee_snapshot_task(job_id: int) -> str:
    return _snapshot(job_id)
