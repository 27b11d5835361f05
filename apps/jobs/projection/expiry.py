"""Ending overdue jobs on chain: ACPCore.expire(jobId) lets anyone end an OPEN or FUNDED job past
its deadline. Nothing changes in the projection here; the follower indexes the JobExpired."""

from __future__ import annotations

import logging

from django.conf import settings
from web3 import Web3

from apps.jobs.chain.artifacts import contract_at
from apps.jobs.models import Job, JobStatus
from apps.jobs.selectors import deployed_contracts

logger = logging.getLogger(__name__)


def expire_overdue_jobs(*, w3: Web3, sender: str, limit: int = 50) -> list[int]:
    """Send expire(jobId) from `sender` (an account the node signs for) for each projected OPEN
    or FUNDED job whose deadline the chain's clock has passed; the ids whose transaction landed."""
    contracts = deployed_contracts(chain_id=settings.CHAIN_ID)
    if not contracts:
        return []
    core = contract_at(w3, "ACPCore", contracts["ACPCore"])
    now = w3.eth.get_block("latest")["timestamp"]
    overdue = Job.objects.filter(status__in=[JobStatus.OPEN, JobStatus.FUNDED], onchain_deadline__lt=now).values_list(
        "job_id", flat=True
    )[:limit]
    expired = []
    for job_id in overdue:
        try:
            tx_hash = core.functions.expire(job_id).transact({"from": Web3.to_checksum_address(sender)})
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        except Exception:  # the projection may lag the chain (already expired, disputed...)
            logger.warning("expire(%s) was not sent", job_id, exc_info=True)
            continue
        if receipt["status"] == 1:
            expired.append(job_id)
    return expired
