"""Decoded events → Agent, Job, StakeLock, Snapshot, Dispute, Offer, ProofRequest and JobEvent rows.

Every handler is written against a `Scope`: while indexing, everything is in scope; while a
rollback replays the surviving events, only the jobs and agents it reset are, so the rows of the
others are not touched twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F

from apps.indexer.models import ChainLog
from apps.jobs.chain.deploy import CoreConfig
from apps.jobs.hooks import snapshot_recorded
from apps.jobs.models import (
    Agent,
    AgentSource,
    Dispute,
    Job,
    JobEvent,
    JobStatus,
    Offer,
    OfferStatus,
    ProofRequest,
    ProofState,
    Snapshot,
    StakeLock,
    StakeRole,
    StrategyType,
)
from apps.jobs.projection.decode import DecodedEvent, decode_log, json_args

DEFAULT_SCORE = CoreConfig().default_score
NO_EVALUATOR = 255
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
STATUSES = list(JobStatus)
STRATEGIES = list(StrategyType)
SOURCES = list(AgentSource)
ROLES = list(StakeRole)


@dataclass(frozen=True)
class Scope:
    """Which jobs and agents (by on-chain id) handlers may change; None means all of them."""

    jobs: frozenset[int] | None = None
    agents: frozenset[int] | None = None
    replay: bool = False

    def has_job(self, job_id: int) -> bool:
        return self.jobs is None or job_id in self.jobs

    def has_agent(self, agent_id: int) -> bool:
        return self.agents is None or agent_id in self.agents


def _at(unix_seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix_seconds, tz=dt.UTC)


def _agent(agent_id: int) -> Agent:
    return Agent.objects.get(agent_id=agent_id)


def _update_job(job_id: int, **fields: object) -> None:
    Job.objects.filter(job_id=job_id).update(**fields)


# ---- agents (AgentRegistry, Staking pools, Reputation) ----


def _agent_registered(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    capability = a["evaluatorStrategyType"]
    Agent.objects.update_or_create(
        agent_id=a["agentId"],
        defaults={
            "owner_address": a["owner"],
            "name": a["name"],
            "source": SOURCES[a["source"]],
            "evaluator_strategy_type": "" if capability == NO_EVALUATOR else STRATEGIES[capability],
        },
        create_defaults={
            "owner_address": a["owner"],
            "name": a["name"],
            "source": SOURCES[a["source"]],
            "evaluator_strategy_type": "" if capability == NO_EVALUATOR else STRATEGIES[capability],
            "reputation_score": DEFAULT_SCORE,
        },
    )


def _agent_transferred(ev: DecodedEvent, scope: Scope) -> None:
    # A mint's Transfer comes just before its AgentRegistered, which creates the row.
    if ev.args["sender"] != ZERO_ADDRESS:
        Agent.objects.filter(agent_id=ev.args["tokenId"]).update(owner_address=ev.args["receiver"])


def _pool(available: int = 0, locked: int = 0) -> Callable[[DecodedEvent, Scope], None]:
    """A handler moving `amount` by the given signs between an agent's available and locked stake."""

    def handle(ev: DecodedEvent, scope: Scope) -> None:
        amount = Decimal(ev.args["amount"])
        Agent.objects.filter(agent_id=ev.args["agentId"]).update(
            stake_available=F("stake_available") + available * amount,
            stake_locked=F("stake_locked") + locked * amount,
        )

    return handle


def _reputation_updated(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    Agent.objects.filter(agent_id=a["agentId"]).update(
        reputation_score=a["score"], total_jobs=a["totalJobs"], completed_jobs=a["completedJobs"]
    )


AGENT_HANDLERS: dict[tuple[str, str], Callable[[DecodedEvent, Scope], None]] = {
    ("AgentRegistry", "AgentRegistered"): _agent_registered,
    ("AgentRegistry", "Transfer"): _agent_transferred,
    ("Staking", "Staked"): _pool(available=1),
    ("Staking", "Withdrawn"): _pool(available=-1),
    ("Staking", "StakeLocked"): _pool(available=-1, locked=1),
    ("Staking", "StakeReleased"): _pool(available=1, locked=-1),
    ("Staking", "StakeSlashed"): _pool(locked=-1),
    ("Reputation", "ReputationUpdated"): _reputation_updated,
}


def agent_of(ev: DecodedEvent) -> int | None:
    """The agent whose row an event changes, if any."""
    if (ev.contract, ev.name) not in AGENT_HANDLERS:
        return None
    return ev.args.get("agentId", ev.args.get("tokenId"))


# ---- jobs (ACPCore, and the stake locks Staking keeps for them) ----


def _job_created(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    Job.objects.update_or_create(
        job_id=a["jobId"],
        defaults={
            "status": JobStatus.OPEN,
            "strategy_type": STRATEGIES[a["strategyType"]],
            "client": _agent(a["clientId"]),
            "budget": Decimal(a["budget"]),
            "program_hash": a["programHash"],
            "rubric_hash": a["rubricHash"],
            "onchain_created_at": ev.block_timestamp,
            "onchain_deadline": a["deadline"],
        },
    )


def _cex_config_set(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    _update_job(
        a["jobId"],
        cex_capital=Decimal(a["capital"]),
        stop_loss_bps=a["stopLossBps"],
        target_return_bps=a["targetReturnBps"],
    )


def _job_funded(ev: DecodedEvent, scope: Scope) -> None:
    # setBudget may fund another amount than createJob posted: what was funded is the budget.
    amount = Decimal(ev.args["amount"])
    _update_job(ev.args["jobId"], status=JobStatus.FUNDED, budget=amount, escrow_balance=amount)


def _provider_set(ev: DecodedEvent, scope: Scope) -> None:
    job = Job.objects.get(job_id=ev.args["jobId"])
    provider = _agent(ev.args["providerId"])
    job.provider = provider
    job.save(update_fields=["provider"])
    pending = Offer.objects.filter(job=job, status=OfferStatus.PENDING)
    pending.filter(agent=provider).update(status=OfferStatus.ACCEPTED)
    pending.exclude(agent=provider).update(status=OfferStatus.REJECTED)


def _job_submitted(ev: DecodedEvent, scope: Scope) -> None:
    _update_job(
        ev.args["jobId"],
        status=JobStatus.SUBMITTED,
        deliverable_hash=ev.args["deliverableHash"],
        onchain_submitted_at=ev.block_timestamp,
    )


def _evaluation_started(ev: DecodedEvent, scope: Scope) -> None:
    """Records the evaluator and opens the job's ProofRequest: PENDING when a prover is
    configured (PROVER_URL), NOT_CONFIGURED otherwise. A new PENDING request is sent to the
    prover by a task enqueued once the follower's transaction commits; nothing is sent from here."""
    job = Job.objects.get(job_id=ev.args["jobId"])
    job.evaluator = _agent(ev.args["evaluatorId"])
    job.save(update_fields=["evaluator"])
    state = ProofState.PENDING if settings.PROVER_URL else ProofState.NOT_CONFIGURED
    proof, created = ProofRequest.objects.get_or_create(
        job=job, defaults={"state": state, "requested_at": _at(ev.block_timestamp)}
    )
    if created and proof.state == ProofState.PENDING:
        from apps.jobs.proofs import enqueue_proof_request  # its tasks module imports this one

        enqueue_proof_request(proof_request_id=proof.pk)


def _proof_recorded(ev: DecodedEvent, scope: Scope) -> None:
    _update_job(ev.args["jobId"], passed=ev.args["passed"])


def _job_completed(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    _update_job(
        a["jobId"],
        status=JobStatus.COMPLETED,
        passed=True,
        escrow_balance=0,
        platform_fee=Decimal(a["platformFee"]),
        evaluator_fee=Decimal(a["evaluatorFee"]),
        provider_payment=Decimal(a["providerPayment"]),
        onchain_settled_at=ev.block_timestamp,
    )


def _job_rejected(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    _update_job(
        a["jobId"],
        status=JobStatus.REJECTED,
        passed=False,
        escrow_balance=0,
        platform_fee=0,
        evaluator_fee=Decimal(a["evaluatorFee"]),
        provider_payment=0,
        onchain_settled_at=ev.block_timestamp,
    )


def _job_expired(ev: DecodedEvent, scope: Scope) -> None:
    _update_job(ev.args["jobId"], status=JobStatus.EXPIRED, escrow_balance=0, onchain_settled_at=ev.block_timestamp)


def _dispute_opened(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    job = Job.objects.get(job_id=a["jobId"])
    Dispute.objects.create(
        dispute_id=a["disputeId"],
        job=job,
        opener=_agent(a["openerId"]),
        opened_by=a["openedBy"],
        from_status=STATUSES[a["fromStatus"]],
        reason_hash=a["reasonHash"],
        collateral=Decimal(a["collateral"]),
        opened_at=_at(ev.block_timestamp),
    )
    job.status = JobStatus.DISPUTED
    job.save(update_fields=["status"])


def _dispute_resolved(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    dispute = Dispute.objects.get(dispute_id=a["disputeId"])
    dispute.resolved = True
    dispute.provider_wins = a["providerWins"]
    dispute.resolved_at = _at(ev.block_timestamp)
    dispute.save(update_fields=["resolved", "provider_wins", "resolved_at"])
    fields: dict[str, object] = {"status": JobStatus.ARBITRATED}
    if dispute.from_status == JobStatus.SUBMITTED:
        # The arbiter settled the escrow itself, without an evaluator (ACPCore.arbitrate).
        fields.update(
            passed=a["providerWins"],
            escrow_balance=0,
            platform_fee=Decimal(a["platformFee"]),
            evaluator_fee=0,
            provider_payment=Decimal(a["providerPayment"]),
            onchain_settled_at=ev.block_timestamp,
        )
    _update_job(a["jobId"], **fields)


def _snapshot_reported(ev: DecodedEvent, scope: Scope) -> None:
    if scope.replay:
        return  # snapshots at or below the fork are kept by the rollback (with their TEE reports)
    Snapshot.objects.create(
        job=Job.objects.get(job_id=ev.args["jobId"]),
        reported_value=Decimal(ev.args["reportedValue"]),
        snapshot_ts=_at(ev.block_timestamp),
        tx_hash=ev.log.tx_hash,
        block_number=ev.block_number,
        attestation=ev.args["attestation"],
    )
    snapshot_recorded(tx_hash=ev.log.tx_hash)


def _stake_locked(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    # A dispute over a settled job locks collateral again under a role whose lock has ended.
    StakeLock.objects.update_or_create(
        agent=_agent(a["agentId"]),
        job=Job.objects.get(job_id=a["jobId"]),
        role=ROLES[a["role"]],
        defaults={
            "amount": Decimal(a["amount"]),
            "active": True,
            "locked_at": _at(ev.block_timestamp),
            "released_at": None,
        },
    )


def _stake_released(ev: DecodedEvent, scope: Scope) -> None:
    a = ev.args
    StakeLock.objects.filter(agent__agent_id=a["agentId"], job__job_id=a["jobId"], role=ROLES[a["role"]]).update(
        active=False, released_at=_at(ev.block_timestamp)
    )


JOB_HANDLERS: dict[tuple[str, str], Callable[[DecodedEvent, Scope], None]] = {
    ("ACPCore", "JobCreated"): _job_created,
    ("ACPCore", "CexConfigSet"): _cex_config_set,
    ("ACPCore", "JobFunded"): _job_funded,
    ("ACPCore", "ProviderSet"): _provider_set,
    ("ACPCore", "JobSubmitted"): _job_submitted,
    ("ACPCore", "EvaluationStarted"): _evaluation_started,
    ("ACPCore", "ProofRecorded"): _proof_recorded,
    ("ACPCore", "JobCompleted"): _job_completed,
    ("ACPCore", "JobRejected"): _job_rejected,
    ("ACPCore", "JobExpired"): _job_expired,
    ("ACPCore", "DisputeOpened"): _dispute_opened,
    ("ACPCore", "DisputeResolved"): _dispute_resolved,
    ("ACPCore", "SnapshotReported"): _snapshot_reported,
    ("Staking", "StakeLocked"): _stake_locked,
    ("Staking", "StakeReleased"): _stake_released,
    ("Staking", "StakeSlashed"): lambda ev, scope: None,  # the lock stays open until released
}


def job_of(ev: DecodedEvent) -> int | None:
    """The job an event concerns, if any."""
    return ev.args.get("jobId") if (ev.contract, ev.name) in JOB_HANDLERS else None


def apply_event(ev: DecodedEvent, scope: Scope) -> None:
    """Project one event: its agent part and its job part, each when in scope."""
    agent_id = agent_of(ev)
    if agent_id is not None and scope.has_agent(agent_id):
        AGENT_HANDLERS[(ev.contract, ev.name)](ev, scope)
    job_id = job_of(ev)
    if job_id is None or not scope.has_job(job_id):
        return
    JOB_HANDLERS[(ev.contract, ev.name)](ev, scope)
    if not scope.replay:
        _record_job_event(ev, job_id)


def _record_job_event(ev: DecodedEvent, job_id: int) -> None:
    job = Job.objects.filter(job_id=job_id).first()
    JobEvent.objects.create(
        chain_log=ev.log,
        job=job,
        job_number=job_id,
        name=ev.name,
        args=json_args(ev.args),
        status_after=job.status if job else "",
        block_number=ev.block_number,
        block_timestamp=ev.block_timestamp,
        tx_hash=ev.log.tx_hash,
        log_index=ev.log.log_index,
    )


def decode_logs(logs: Iterable[ChainLog], contract_by_address: dict[str, str]) -> list[DecodedEvent]:
    decoded = (decode_log(log, contract_by_address=contract_by_address) for log in logs)
    return [ev for ev in decoded if ev is not None]


def apply_logs(*, logs: Iterable[ChainLog], contract_by_address: dict[str, str], scope: Scope | None = None) -> None:
    """Project `logs` in the order given (the follower's chain order)."""
    for ev in decode_logs(logs, contract_by_address):
        apply_event(ev, scope or Scope())
