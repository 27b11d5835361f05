from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from apps.indexer.rpc import NODE_ERRORS, chain_client, describe_node_error
from apps.indexer.services import follow_chain
from apps.jobs.consumer import CURSOR_NAME, first_deployment_block
from apps.jobs.models import ProofRequest, ProofState
from apps.jobs.projection.expiry import expire_overdue_jobs as expire
from apps.jobs.proofs import refresh_proof_state, resend_stalled_proof_requests, submit_proof_request
from apps.jobs.prover_client import ProverUnavailable

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
    if result.skipped:
        return {"skipped": result.skipped}
    return {"from_block": result.from_block, "to_block": result.to_block, "logs": result.logs}


@shared_task(name="apps.jobs.tasks.expire_overdue_jobs")
def expire_overdue_jobs() -> list[int]:
    # The node must sign for the sender: a configured keeper account, else its first account.
    w3 = chain_client()
    try:
        sender = settings.JOBS_KEEPER_ADDRESS or next(iter(w3.eth.accounts), "")
        if not sender:
            logger.info("No account to send expire() from; overdue jobs stay until someone expires them.")
            return []
        return expire(w3=w3, sender=sender)
    except NODE_ERRORS as exc:
        # The indexer logs the outage as it starts and ends; the next run expires what is due.
        logger.info("Overdue jobs not expired this run: chain node unreachable (%s).", describe_node_error(exc))
        return []


@shared_task(
    name="apps.jobs.tasks.request_proof",
    autoretry_for=(ProverUnavailable,),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=5,
)
def request_proof(proof_request_id: int) -> str:
    return submit_proof_request(proof_request_id=proof_request_id).state


@shared_task(name="apps.jobs.tasks.refresh_proof")
def refresh_proof(proof_request_id: int) -> str:
    try:
        return refresh_proof_state(proof_request_id=proof_request_id).state
    except ProverUnavailable as exc:
        # The next poll asks again; the request stays PROVING meanwhile.
        logger.warning("Prover unavailable while refreshing proof request %s: %s", proof_request_id, exc)
        return ProofState.PROVING


@shared_task(name="apps.jobs.tasks.poll_proofs")
def poll_proofs() -> int:
    """Fans out one refresh per request the prover is working on, and sends again the requests
    still PENDING long after their last change (their send was lost to a broker outage)."""
    ids = list(ProofRequest.objects.filter(state=ProofState.PROVING).values_list("pk", flat=True))
    for proof_request_id in ids:
        refresh_proof.delay(proof_request_id)
    resend_stalled_proof_requests()
    return len(ids)
