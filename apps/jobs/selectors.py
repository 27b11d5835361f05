"""Reads of the agent-jobs tables.

The API's job reads (`job_summaries`, `job_detail_row`) are SQL on a raw cursor returning dicts
(apps/core/rows.py), shaped by apps/jobs/presenters.py: at 100,000 jobs the ORM's compile, model
instances and prefetch machinery cost several times the queries themselves. The pages keep the
querysets (`job_list`, `job_detail`), which their templates read as models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.core.rows import PagedRows, Row, columns, fetch_rows
from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment, Dispute, Job, JobEvent, Offer, Snapshot, StakeLock


def deployed_contracts(*, chain_id: int) -> dict[str, str]:
    """`{name: address}` of the contracts deployed on `chain_id`; empty until all are."""
    # Only its own names: the same table records other deployments (the local Uniswap).
    rows = ContractDeployment.objects.filter(chain_id=chain_id, name__in=CONTRACT_NAMES)
    found = dict(rows.values_list("name", "address"))
    return found if set(found) >= set(CONTRACT_NAMES) else {}


# Which events mark each step of a job's lifecycle (the last one wins: a dispute can settle a
# job a second time).
LIFECYCLE_EVENTS: dict[str, tuple[str, ...]] = {
    "created": ("JobCreated",),
    "submitted": ("JobSubmitted",),
    "settled": ("JobCompleted", "JobRejected", "JobExpired", "DisputeResolved"),
    "disputed": ("DisputeOpened",),
}
LIFECYCLE_NAMES = [name for names in LIFECYCLE_EVENTS.values() for name in names]
_STEP_OF = {name: step for step, names in LIFECYCLE_EVENTS.items() for name in names}


def lifecycle_steps(events: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, str] | None]:
    """`{step: {"txHash", "blockNumber"} | None}` from a job's `(name, tx_hash, block_number)`
    events, given in chain order."""
    steps: dict[str, dict[str, str] | None] = dict.fromkeys(LIFECYCLE_EVENTS)
    for name, tx_hash, block_number in events:
        step = _STEP_OF.get(name)
        if step is not None:
            steps[step] = {"txHash": tx_hash, "blockNumber": str(block_number)}
    return steps


def lifecycle_of(events: Iterable[JobEvent]) -> dict[str, dict[str, str] | None]:
    """The same from JobEvent instances."""
    return lifecycle_steps((event.name, event.tx_hash, event.block_number) for event in events)


def _with_summary_relations(jobs: QuerySet[Job]) -> QuerySet[Job]:
    lifecycle = JobEvent.objects.filter(name__in=LIFECYCLE_NAMES).order_by("block_number", "log_index")
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


# --- the API's job reads, as SQL (see the module docstring) ----------------------------------

JOB_COLUMNS = (
    "job_id",
    "status",
    "strategy_type",
    "budget",
    "escrow_balance",
    "deliverable_hash",
    "passed",
    "platform_fee",
    "evaluator_fee",
    "provider_payment",
    "onchain_created_at",
    "onchain_deadline",
    "onchain_submitted_at",
    "onchain_settled_at",
    "stop_loss_bps",
    "target_return_bps",
)
AGENT_COLUMNS = (
    "agent_id",
    "owner_address",
    "name",
    "source",
    "evaluator_strategy_type",
    "reputation_score",
    "total_jobs",
    "completed_jobs",
    "stake_available",
    "stake_locked",
)
DISPUTE_COLUMNS = (
    "dispute_id",
    "opened_by",
    "from_status",
    "reason_hash",
    "collateral",
    "resolved",
    "provider_wins",
    "opened_at",
    "resolved_at",
)

# The detail's proof: the backend's request (the prover's bytes and time) and, once settled, the
# ProofRecorded event the indexer stored: the proof and public inputs the chain verified.
PROOF_COLUMNS = ("proving_ms", "proof", "public_inputs", "error")

# A job row `j` with its three parties (`client__agent_id`, `provider__...`, `evaluator__...`) and
# its proof's state. The proof is a subquery, not a fourth join: PostgreSQL plans each join
# order anew on every request (no prepared statements), and a join costs more to plan than to run.
SUMMARY_SELECT = f"""SELECT j.id, {columns("j", JOB_COLUMNS)},
    {columns("c", AGENT_COLUMNS, prefix="client__")},
    {columns("p", AGENT_COLUMNS, prefix="provider__")},
    {columns("e", AGENT_COLUMNS, prefix="evaluator__")},
    (SELECT pr.state FROM jobs_proofrequest pr WHERE pr.job_id = j.id) AS proof_state"""  # noqa: S608 - constants
PARTIES = """INNER JOIN jobs_agent c ON c.id = j.client_id
    LEFT OUTER JOIN jobs_agent p ON p.id = j.provider_id
    LEFT OUTER JOIN jobs_agent e ON e.id = j.evaluator_id"""

# The detail adds the dispute (with its opener's agent id), the proof, and whether each list part
# has rows, so a job without stake locks, snapshots or offers costs no query for them.
DETAIL = f"""{SUMMARY_SELECT},
    {columns("d", DISPUTE_COLUMNS, prefix="dispute__")},
    (SELECT o.agent_id FROM jobs_agent o WHERE o.id = d.opener_id) AS dispute__opener_id,
    EXISTS (SELECT 1 FROM jobs_stakelock x WHERE x.job_id = j.id) AS has_stake_locks,
    EXISTS (SELECT 1 FROM jobs_snapshot x WHERE x.job_id = j.id) AS has_snapshots,
    EXISTS (SELECT 1 FROM jobs_offer x WHERE x.job_id = j.id) AS has_offers,
    {columns("pr", PROOF_COLUMNS, prefix="proof__")},
    pe.args AS proof_event__args, pe.block_number AS proof_event__block_number, pe.tx_hash AS proof_event__tx_hash
    FROM jobs_job j {PARTIES}
    LEFT OUTER JOIN jobs_dispute d ON d.job_id = j.id
    LEFT OUTER JOIN jobs_proofrequest pr ON pr.job_id = j.id
    LEFT OUTER JOIN jobs_jobevent pe ON pe.id = (
        SELECT x.id FROM jobs_jobevent x WHERE x.job_id = j.id AND x.name = 'ProofRecorded'
        ORDER BY x.block_number DESC, x.log_index DESC LIMIT 1)
    WHERE j.job_id = %s"""  # noqa: S608 - constants; the job id is a parameter

STAKE_LOCKS = """SELECT a.agent_id, s.role, s.amount, s.active, s.locked_at, s.released_at
    FROM jobs_stakelock s INNER JOIN jobs_agent a ON a.id = s.agent_id
    WHERE s.job_id = %s ORDER BY s.locked_at, s.id"""
SNAPSHOTS = """SELECT reported_value, snapshot_ts, tx_hash, block_number
    FROM jobs_snapshot WHERE job_id = %s ORDER BY snapshot_ts DESC, id DESC"""
OFFERS = """SELECT a.agent_id, o.owner_address, o.status, o.created_at
    FROM jobs_offer o INNER JOIN jobs_agent a ON a.id = o.agent_id
    WHERE o.job_id = %s ORDER BY o.created_at, o.id"""

_AGENT_BY_ID = "SELECT id FROM jobs_agent WHERE agent_id = %s"
_AGENTS_OF_OWNER = "SELECT id FROM jobs_agent WHERE UPPER(owner_address) = UPPER(%s)"


def lifecycle_events_sql(count: int) -> str:
    """The lifecycle events of `count` jobs (by primary key), in chain order."""
    jobs = ", ".join(["%s"] * count)
    names = ", ".join(["%s"] * len(LIFECYCLE_NAMES))
    return f"""SELECT job_id, name, tx_hash, block_number FROM jobs_jobevent
    WHERE job_id IN ({jobs}) AND name IN ({names}) ORDER BY block_number, log_index"""  # noqa: S608 - placeholders


def job_filter_sql(filters: JobFilters) -> tuple[str, list[Any]]:
    """The WHERE clause (empty without filters) and its parameters. Agents are matched by
    subquery, so the count needs no join."""
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in (("status", filters.status), ("strategy_type", filters.strategy_type)):
        if value:
            conditions.append(f"j.{column} = %s")
            params.append(value)
    for column, agent_id in (
        ("client_id", filters.client_id),
        ("provider_id", filters.provider_id),
        ("evaluator_id", filters.evaluator_id),
    ):
        if agent_id is not None:
            conditions.append(f"j.{column} = ({_AGENT_BY_ID})")
            params.append(agent_id)
    if filters.owner_address:
        roles = ("client_id", "provider_id", "evaluator_id")
        conditions.append("(" + " OR ".join(f"j.{role} IN ({_AGENTS_OF_OWNER})" for role in roles) + ")")
        params.extend([filters.owner_address] * len(roles))
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def job_count_sql(where: str) -> str:
    return f"SELECT COUNT(*) FROM jobs_job j {where}"  # noqa: S608 - values are parameters


def job_page_sql(where: str) -> str:
    """One page of the jobs `where` selects, newest first, its LIMIT and OFFSET the last two
    parameters. The page is cut before the parties are joined: joined first, PostgreSQL hashed
    every agent for every matching job, a quarter slower at 100,000 jobs."""
    return f"""{SUMMARY_SELECT}
    FROM (SELECT * FROM jobs_job j {where} ORDER BY j.job_id DESC LIMIT %s OFFSET %s) j
    {PARTIES} ORDER BY j.job_id DESC"""  # noqa: S608 - values are parameters


def attach_lifecycle_events(rows: list[Row]) -> None:
    """Give each job row its `lifecycle_events` (`(name, tx_hash, block_number)`, chain order),
    one query for all of them."""
    by_job: dict[int, list[tuple[str, str, int]]] = {row["id"]: [] for row in rows}
    events = fetch_rows(lifecycle_events_sql(len(by_job)), [*by_job, *LIFECYCLE_NAMES])
    for event in events:
        by_job[event["job_id"]].append((event["name"], event["tx_hash"], event["block_number"]))
    for row in rows:
        row["lifecycle_events"] = by_job[row["id"]]


def job_summaries(*, filters: JobFilters) -> PagedRows:
    """Jobs matching every given filter, newest first, as rows a list item is presented from
    (`present_job_summary`): a count, the page and its lifecycle events, three queries."""
    where, params = job_filter_sql(filters)
    return PagedRows(
        count_sql=job_count_sql(where), page_sql=job_page_sql(where), params=params, attach=attach_lifecycle_events
    )


def job_detail_row(*, job_id: int) -> Row | None:
    """The job as a row `present_job_detail` renders, with its lifecycle events and its
    `stake_locks`, `snapshots` and `offers` rows: one query per part that has rows, two for a
    job with none."""
    found = fetch_rows(DETAIL, [job_id])
    if not found:
        return None
    job = found[0]
    attach_lifecycle_events(found)
    for part, statement in (("stake_locks", STAKE_LOCKS), ("snapshots", SNAPSHOTS), ("offers", OFFERS)):
        job[part] = fetch_rows(statement, [job["id"]]) if job[f"has_{part}"] else []
    return job


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
