from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment, Dispute, Job, JobEvent, Offer, Snapshot, StakeLock


def deployed_contracts(*, chain_id: int) -> dict[str, str]:
    """`{name: address}` of the contracts deployed on `chain_id`; empty until all are."""
    found = dict(ContractDeployment.objects.filter(chain_id=chain_id).values_list("name", "address"))
    return found if set(found) >= set(CONTRACT_NAMES) else {}


# Which events mark each step of a job's lifecycle (the last one wins: a dispute can settle a
# job a second time).
LIFECYCLE_EVENTS: dict[str, tuple[str, ...]] = {
    "created": ("JobCreated",),
    "submitted": ("JobSubmitted",),
    "settled": ("JobCompleted", "JobRejected", "JobExpired", "DisputeResolved"),
    "disputed": ("DisputeOpened",),
}
_LIFECYCLE_NAMES = [name for names in LIFECYCLE_EVENTS.values() for name in names]


def lifecycle_of(events: Iterable[JobEvent]) -> dict[str, dict[str, str] | None]:
    """`{step: {"txHash", "blockNumber"} | None}` from a job's events, given in chain order."""
    steps: dict[str, dict[str, str] | None] = dict.fromkeys(LIFECYCLE_EVENTS)
    for event in events:
        for step, names in LIFECYCLE_EVENTS.items():
            if event.name in names:
                steps[step] = {"txHash": event.tx_hash, "blockNumber": str(event.block_number)}
    return steps


def _with_summary_relations(jobs: QuerySet[Job]) -> QuerySet[Job]:
    lifecycle = JobEvent.objects.filter(name__in=_LIFECYCLE_NAMES).order_by("block_number", "log_index")
    return jobs.select_related("client", "provider", "evaluator", "proof").prefetch_related(
        Prefetch("events", queryset=lifecycle, to_attr="lifecycle_events")
    )


@dataclass(frozen=True)
class JobFilters:
    status: str | None = None
    strategy_type: str | None = None
    client_id: int | None = None
    provider_id: int | None = None
    evaluator_id: int | None = None
    owner_address: str | None = None


def job_list(*, filters: JobFilters) -> QuerySet[Job]:
    """Jobs matching every given filter, newest first, with what a list item renders."""
    jobs = Job.objects.all()
    if filters.status:
        jobs = jobs.filter(status=filters.status)
    if filters.strategy_type:
        jobs = jobs.filter(strategy_type=filters.strategy_type)
    if filters.client_id is not None:
        jobs = jobs.filter(client__agent_id=filters.client_id)
    if filters.provider_id is not None:
        jobs = jobs.filter(provider__agent_id=filters.provider_id)
    if filters.evaluator_id is not None:
        jobs = jobs.filter(evaluator__agent_id=filters.evaluator_id)
    if filters.owner_address:
        address = filters.owner_address
        jobs = jobs.filter(
            Q(client__owner_address__iexact=address)
            | Q(provider__owner_address__iexact=address)
            | Q(evaluator__owner_address__iexact=address)
        )
    return _with_summary_relations(jobs).order_by("-job_id")


def job_detail(*, job_id: int) -> Job | None:
    """The job with everything seed 002's job object shows, in a fixed number of queries."""
    jobs = (
        _with_summary_relations(Job.objects.filter(job_id=job_id))
        .select_related("dispute__opener")
        .prefetch_related(
            Prefetch("stake_locks", queryset=StakeLock.objects.select_related("agent").order_by("locked_at", "id")),
            Prefetch("snapshots", queryset=Snapshot.objects.order_by("-snapshot_ts")),
            Prefetch("offers", queryset=Offer.objects.select_related("agent").order_by("created_at", "id")),
        )
    )
    return jobs.first()


def find_job(*, job_id: int) -> Job | None:
    return Job.objects.filter(job_id=job_id).first()


def job_events(*, job: Job, status: str | None = None) -> QuerySet[JobEvent]:
    events = JobEvent.objects.filter(job=job).order_by("block_number", "log_index")
    return events.filter(status_after=status) if status else events


def job_snapshots(*, job: Job) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(job=job).order_by("-snapshot_ts", "-id")


def job_offers(*, job: Job) -> QuerySet[Offer]:
    return Offer.objects.filter(job=job).select_related("agent").order_by("created_at", "id")


def dispute_of_job(*, job: Job) -> Dispute | None:
    return Dispute.objects.select_related("job", "opener").filter(job=job).first()


def find_dispute(*, dispute_id: int) -> Dispute | None:
    return Dispute.objects.select_related("job", "opener").filter(dispute_id=dispute_id).first()
