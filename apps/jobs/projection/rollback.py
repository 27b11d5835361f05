"""Undo the projection above a fork block, leaving what indexing only blocks ≤ fork gives.

The approach: the logs above the fork (still stored when the follower calls this) name the jobs
and agents they touched. Those created above the fork are deleted; the others are reset to their
pre-event state and rebuilt by replaying, in chain order, the surviving logs (≤ fork) in a
`Scope` limited to them. Rows nobody above the fork touched are left alone, as are off-chain
facts: an Offer goes back to PENDING only if a ProviderSet decided it (the replay decides it again),
a ProofRequest whose EvaluationStarted survives keeps its prover state, and a Snapshot at or below
the fork keeps its TEE report. JobEvents above the fork die with their ChainLogs (CASCADE)."""

from __future__ import annotations

from django.db.models import Q

from apps.indexer.models import ChainLog
from apps.jobs.models import (
    Agent,
    Dispute,
    Job,
    JobEvent,
    JobStatus,
    Offer,
    OfferStatus,
    ProofRequest,
    Snapshot,
    StakeLock,
)
from apps.jobs.projection.apply import DEFAULT_SCORE, Scope, agent_of, apply_logs, decode_logs, job_of


def rollback_projection(*, fork_block: int, contract_by_address: dict[str, str]) -> None:
    addresses = list(contract_by_address)
    above = decode_logs(
        ChainLog.objects.filter(block_number__gt=fork_block, address__in=addresses).select_related("block"),
        contract_by_address,
    )
    jobs = {job_id for ev in above if (job_id := job_of(ev)) is not None}
    agents = {agent_id for ev in above if (agent_id := agent_of(ev)) is not None}
    if not jobs and not agents:
        return
    new_jobs = {ev.args["jobId"] for ev in above if ev.name == "JobCreated"}
    new_agents = {ev.args["agentId"] for ev in above if ev.name == "AgentRegistered"}
    kept_jobs = frozenset(jobs - new_jobs)
    kept_agents = frozenset(agents - new_agents)

    _reset_jobs(fork_block=fork_block, jobs=jobs, kept=kept_jobs)
    Job.objects.filter(job_id__in=new_jobs).delete()
    # Nothing refers to these any more: every reference came from an event above the fork,
    # and the jobs holding one were just deleted or reset.
    Agent.objects.filter(agent_id__in=new_agents).delete()
    Agent.objects.filter(agent_id__in=kept_agents).update(
        reputation_score=DEFAULT_SCORE, total_jobs=0, completed_jobs=0, stake_available=0, stake_locked=0
    )

    surviving = ChainLog.objects.filter(block_number__lte=fork_block, address__in=addresses).select_related("block")
    apply_logs(
        logs=surviving.order_by("block_number", "log_index"),
        contract_by_address=contract_by_address,
        scope=Scope(jobs=kept_jobs, agents=kept_agents, replay=True),
    )


def _reset_jobs(*, fork_block: int, jobs: set[int], kept: frozenset[int]) -> None:
    StakeLock.objects.filter(job__job_id__in=jobs).delete()
    Dispute.objects.filter(job__job_id__in=jobs).delete()
    Snapshot.objects.filter(job__job_id__in=jobs, block_number__gt=fork_block).delete()
    evaluated = JobEvent.objects.filter(
        job_number__in=kept, name="EvaluationStarted", block_number__lte=fork_block
    ).values_list("job_number", flat=True)
    ProofRequest.objects.filter(job__job_id__in=kept).exclude(job__job_id__in=list(evaluated)).delete()
    Offer.objects.filter(job__job_id__in=kept).filter(
        Q(status=OfferStatus.ACCEPTED) | Q(status=OfferStatus.REJECTED)
    ).update(status=OfferStatus.PENDING)
    # JobCreated (≤ fork for every kept job) sets the rest again during the replay.
    Job.objects.filter(job_id__in=kept).update(
        status=JobStatus.OPEN,
        provider=None,
        evaluator=None,
        escrow_balance=0,
        deliverable_hash="",
        passed=None,
        platform_fee=None,
        evaluator_fee=None,
        provider_payment=None,
        onchain_submitted_at=None,
        onchain_settled_at=None,
        cex_capital=None,
        stop_loss_bps=None,
        target_return_bps=None,
    )
