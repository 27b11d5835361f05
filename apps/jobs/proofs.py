"""Proof requests: sending a job's ProofRequest to the prover and following it to READY or FAILED.

The backend never produces a proof itself. A request is READY only when the prover returned the
proof bytes, which are kept on the request with the prover's time (`proving_ms`) for the
evaluator's complete()/reject(). A CEX_CAPITAL request is sent with the TEE's attested evidence
(apps/tee/evidence.py), gathered when it is sent: a gateway that is down leaves it PENDING to be
sent again, a report that cannot be trusted fails it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApiError
from apps.core.tasks import enqueue_on_commit
from apps.jobs.models import Job, ProofRequest, ProofState, StrategyType
from apps.jobs.prover_client import ProverRejected, ProverUnavailable, prover_client

logger = logging.getLogger(__name__)


# A PENDING request unchanged for this long lost its send (the broker was down when it was made);
# request_proof's own retries back off to 15 minutes, so this stays above that.
RESEND_PENDING_AFTER = timedelta(minutes=20)


def enqueue_proof_request(*, proof_request_id: int) -> None:
    """Sends the request to the prover from a worker once the current transaction commits."""
    from apps.jobs.tasks import request_proof  # tasks import the projection, which calls this

    enqueue_on_commit(request_proof, args=[proof_request_id], recovered_by="poll-proofs")


def resend_stalled_proof_requests() -> int:
    """Send again the requests PENDING for `RESEND_PENDING_AFTER`; `updated_at` is touched so each
    is sent once per period, not on every poll. Sending twice is harmless: the submit locks the row
    and only a PENDING request goes to the prover."""
    cutoff = timezone.now() - RESEND_PENDING_AFTER
    stalled = ProofRequest.objects.filter(state=ProofState.PENDING, updated_at__lt=cutoff)
    resent = 0
    for proof_request_id in stalled.values_list("pk", flat=True):
        with transaction.atomic():
            touched = ProofRequest.objects.filter(
                pk=proof_request_id, state=ProofState.PENDING, updated_at__lt=cutoff
            ).update(updated_at=timezone.now())
            if touched:
                enqueue_proof_request(proof_request_id=proof_request_id)
                resent += 1
    return resent


@transaction.atomic
def submit_proof_request(*, proof_request_id: int) -> ProofRequest:
    """PENDING → PROVING with the prover's reference, or → FAILED when the prover refuses.

    `ProverUnavailable` propagates and the request stays PENDING, for the caller to retry. The row
    lock is held across the HTTP call so two workers never submit the same request at once; any
    other state is left as it is (the request was already sent, or is no longer wanted).
    """
    proof = ProofRequest.objects.select_for_update().select_related("job").get(pk=proof_request_id)
    if proof.state != ProofState.PENDING:
        return proof
    client = prover_client()
    if client is None:
        proof.state = ProofState.NOT_CONFIGURED
        proof.save(update_fields=["state", "updated_at"])
        return proof
    job = proof.job
    with client:
        try:
            proof.prover_reference = client.submit(
                job_id=job.job_id,
                strategy_type=job.strategy_type,
                deliverable_hash=job.deliverable_hash,
                program_hash=job.program_hash,
                rubric_hash=job.rubric_hash,
                callback_ref=str(proof.pk),
                cex=_cex_evidence(job),
            )
        except ProverRejected as exc:
            proof.state = ProofState.FAILED
            proof.error = str(exc) or "the prover refused the request"
        else:
            proof.state = ProofState.PROVING
            proof.error = ""
    proof.save(update_fields=["state", "prover_reference", "error", "updated_at"])
    return proof


def _cex_evidence(job: Job) -> dict | None:
    if job.strategy_type != StrategyType.CEX_CAPITAL:
        return None
    from apps.tee.evidence import cex_proof_evidence  # apps.tee imports this app's models
    from apps.tee.services import SnapshotRefused

    try:
        return cex_proof_evidence(job=job)
    except SnapshotRefused as exc:
        raise ProverRejected(f"no usable TEE evidence: {exc}") from exc
    except ApiError as exc:
        raise ProverUnavailable(f"the TEE gateway could not be asked: {exc.detail}") from exc


@transaction.atomic
def refresh_proof_state(*, proof_request_id: int) -> ProofRequest:
    """PROVING → READY or FAILED as the prover reports; unchanged while it is still proving.

    `ProverUnavailable` propagates and the request stays PROVING, to be asked again later. A prover
    that no longer knows the proof (404) fails it.
    """
    proof = ProofRequest.objects.select_for_update().get(pk=proof_request_id)
    if proof.state != ProofState.PROVING:
        return proof
    client = prover_client()
    if client is None:
        return proof  # the prover was unset after submission; nothing to ask
    with client:
        try:
            status = client.status(proof.prover_reference)
        except ProverRejected as exc:
            proof.state = ProofState.FAILED
            proof.error = str(exc) or "the prover no longer knows this proof"
        else:
            if status.state == ProofState.PROVING:
                return proof
            proof.state = status.state
            proof.error = status.error
            proof.proof, proof.public_inputs, proof.proving_ms = status.proof, status.public_inputs, status.proving_ms
    proof.save(update_fields=["state", "error", "proof", "public_inputs", "proving_ms", "updated_at"])
    return proof
