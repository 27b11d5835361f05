from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from apps.indexer.rpc import chain_client
from apps.indexer.services import follow_chain
from apps.jobs.consumer import CURSOR_NAME, first_deployment_block
from apps.jobs.projection.expiry import expire_overdue_jobs as expire

logger = logging.getLogger(__name__)


@shared_task(name="apps.jobs.tasks.index_chain")
def index_chain() -> dict[str, int | str | None]:
    start_block = first_deployment_block()
    if start_block is None:
        logger.info("No agent-jobs contracts are deployed on chain %s; nothing to index.", settings.CHAIN_ID)
        return {"skipped": "no contracts deployed"}
    result = follow_chain(
        w3=chain_client(),
        cursor_name=CURSOR_NAME,
        batch_size=settings.INDEXER_BATCH_SIZE,
        confirmations=settings.CHAIN_CONFIRMATIONS,
        start_block=start_block,
    )
    return {"from_block": result.from_block, "to_block": result.to_block, "logs": result.logs}


@shared_task(name="apps.jobs.tasks.expire_overdue_jobs")
def expire_overdue_jobs() -> list[int]:
    # The node must sign for the sender: a configured keeper account, else its first account.
    w3 = chain_client()
    sender = getattr(settings, "JOBS_KEEPER_ADDRESS", "") or next(iter(w3.eth.accounts), "")
    if not sender:
        logger.info("No account to send expire() from; overdue jobs stay until someone expires them.")
        return []
    return expire(w3=w3, sender=sender)
