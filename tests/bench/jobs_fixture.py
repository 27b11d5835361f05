"""Build (or reuse) the jobs bench database; print one JSON line describing it.

Run by `tests.bench.jobs_api` in a subprocess with the bench's environment. It migrates, then
either finds the database already holding the bench's jobs (and reuses it) or, in an empty
database, bulk-creates in one transaction:

- 1,000 agents (agent ids 1..1000, a tenth of them evaluators with a strategy type);
- 100,000 jobs (job ids 1..100000), statuses and strategy types drawn with fixed weights from
  a seeded RNG, a random client, a provider unless OPEN, an evaluator on 90% of them,
  settlement fields on settled jobs and the CEX fields on CEX_CAPITAL jobs;
- for every tenth job: JobCreated, plus JobSubmitted once past FUNDED, plus the settling event
  once settled (each with its IndexedBlock and ChainLog, ten logs a block), so the lifecycle
  prefetch has rows to find, and a ProofRequest for the settled ones among them.

Either way it then runs ANALYZE, so the query planner has statistics for the bulk-loaded rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from decimal import Decimal

import django

AGENTS = 1_000
JOBS = 100_000
EVENTED_EVERY = 10  # job ids divisible by this get events
LOGS_PER_BLOCK = 10
BATCH = 5_000
SEED = 20260401
T0 = 1_745_000_000  # unix seconds of job 1
USDC = 10**6

STATUS_WEIGHTS = {
    "OPEN": 10,
    "FUNDED": 25,
    "SUBMITTED": 10,
    "COMPLETED": 35,
    "REJECTED": 8,
    "EXPIRED": 8,
    "DISPUTED": 2,
    "ARBITRATED": 2,
}
STRATEGY_WEIGHTS = {"PROGRAM": 40, "RUBRIC": 25, "HYBRID": 15, "CEX_CAPITAL": 20}
SETTLED = {"COMPLETED": "JobCompleted", "REJECTED": "JobRejected", "EXPIRED": "JobExpired"}
SETTLED.update(ARBITRATED="DisputeResolved")
PAST_FUNDED = {"SUBMITTED", "COMPLETED", "REJECTED", "DISPUTED", "ARBITRATED"}


def hex_of(kind: str, n: int, length: int) -> str:
    return "0x" + hashlib.sha256(f"{kind}:{n}".encode()).hexdigest()[:length]


def build() -> dict[str, int]:
    from django.db import transaction

    from apps.indexer.models import ChainLog, IndexedBlock
    from apps.jobs.models import Agent, Job, JobEvent, ProofRequest

    rng = random.Random(SEED)
    statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    strategies, strategy_weights = zip(*STRATEGY_WEIGHTS.items(), strict=True)

    with transaction.atomic():
        agents = [
            Agent(
                agent_id=n,
                owner_address=hex_of("owner", n, 40),
                name=f"Bench agent {n}",
                evaluator_strategy_type=strategies[n % len(strategies)] if n % 10 == 0 else "",
                reputation_score=rng.randint(0, 100),
                total_jobs=100,
                completed_jobs=rng.randint(0, 100),
                stake_available=Decimal(rng.randint(0, 10_000) * USDC),
                stake_locked=Decimal(rng.randint(0, 1_000) * USDC),
            )
            for n in range(1, AGENTS + 1)
        ]
        Agent.objects.bulk_create(agents, batch_size=BATCH)
        pk_of = dict(Agent.objects.values_list("agent_id", "pk"))
        evaluator_ids = [n for n in range(1, AGENTS + 1) if n % 10 == 0]

        counts = {"agents": AGENTS, "jobs": 0, "events": 0, "blocks": 0, "proofs": 0}
        pending_jobs: list[Job] = []
        evented: list[tuple[int, str]] = []  # (job_id, status) of the jobs that get events
        for job_id in range(1, JOBS + 1):
            status = rng.choices(statuses, status_weights)[0]
            strategy = rng.choices(strategies, strategy_weights)[0]
            created = T0 + job_id * 60
            budget = Decimal(rng.randint(10, 5_000) * USDC)
            settled = status in SETTLED
            cex = strategy == "CEX_CAPITAL"
            pending_jobs.append(
                Job(
                    job_id=job_id,
                    status=status,
                    strategy_type=strategy,
                    client_id=pk_of[rng.randint(1, AGENTS)],
                    provider_id=None if status == "OPEN" else pk_of[rng.randint(1, AGENTS)],
                    evaluator_id=pk_of[rng.choice(evaluator_ids)] if rng.random() < 0.9 else None,
                    budget=budget,
                    escrow_balance=Decimal(0) if settled or status == "OPEN" else budget,
                    program_hash=hex_of("program", job_id, 64) if strategy != "RUBRIC" else "",
                    rubric_hash=hex_of("rubric", job_id, 64) if strategy in ("RUBRIC", "HYBRID") else "",
                    deliverable_hash=hex_of("deliverable", job_id, 64) if status in PAST_FUNDED else "",
                    passed={"COMPLETED": True, "REJECTED": False}.get(status),
                    platform_fee=budget / 100 if settled else None,
                    evaluator_fee=budget / 50 if settled else None,
                    provider_payment=budget - budget / 100 - budget / 50 if status == "COMPLETED" else None,
                    onchain_created_at=created,
                    onchain_deadline=created + 7 * 86_400,
                    onchain_submitted_at=created + 3_600 if status in PAST_FUNDED else None,
                    onchain_settled_at=created + 7_200 if settled else None,
                    cex_capital=budget * 10 if cex else None,
                    stop_loss_bps=rng.choice((500, 1_000, 2_000)) if cex else None,
                    target_return_bps=rng.choice((300, 800, 1_500)) if cex else None,
                )
            )
            if job_id % EVENTED_EVERY == 0:
                evented.append((job_id, status))
            if len(pending_jobs) == BATCH:
                Job.objects.bulk_create(pending_jobs, batch_size=BATCH)
                counts["jobs"] += len(pending_jobs)
                pending_jobs = []
        if pending_jobs:
            Job.objects.bulk_create(pending_jobs, batch_size=BATCH)
            counts["jobs"] += len(pending_jobs)

        # Events of every tenth job, each with its block and chain log, in chain order.
        job_pk = dict(Job.objects.filter(job_id__in=[j for j, _ in evented]).values_list("job_id", "pk"))
        planned: list[tuple[int, str, str]] = []  # (job_id, event name, status after)
        for job_id, status in evented:
            planned.append((job_id, "JobCreated", "OPEN"))
            if status in PAST_FUNDED:
                planned.append((job_id, "JobSubmitted", "SUBMITTED"))
            if status in SETTLED:
                planned.append((job_id, SETTLED[status], status))
        first_block = 20_000_000
        blocks = [
            IndexedBlock(
                number=first_block + n,
                hash=hex_of("block", n, 64),
                parent_hash=hex_of("block", n - 1, 64),
                timestamp=T0 + 12 * n,
            )
            for n in range((len(planned) + LOGS_PER_BLOCK - 1) // LOGS_PER_BLOCK)
        ]
        IndexedBlock.objects.bulk_create(blocks, batch_size=BATCH)
        block_pk = dict(IndexedBlock.objects.values_list("number", "pk"))
        contract = hex_of("contract", 0, 40)
        for start in range(0, len(planned), BATCH):
            chunk = planned[start : start + BATCH]
            logs = []
            for offset, _ in enumerate(chunk):
                n = start + offset
                logs.append(
                    ChainLog(
                        block_id=block_pk[first_block + n // LOGS_PER_BLOCK],
                        block_number=first_block + n // LOGS_PER_BLOCK,
                        tx_hash=hex_of("tx", n, 64),
                        log_index=n % LOGS_PER_BLOCK,
                        address=contract,
                        topics=[],
                        data="0x",
                    )
                )
            # bulk_create sets primary keys on SQLite 3.35+ and PostgreSQL (RETURNING).
            ChainLog.objects.bulk_create(logs, batch_size=BATCH)
            events = [
                JobEvent(
                    chain_log_id=log.pk,
                    job_id=job_pk[job_id],
                    job_number=job_id,
                    name=name,
                    args={"jobId": str(job_id)},
                    status_after=status_after,
                    block_number=log.block_number,
                    block_timestamp=T0 + 12 * (log.block_number - first_block),
                    tx_hash=log.tx_hash,
                    log_index=log.log_index,
                )
                for log, (job_id, name, status_after) in zip(logs, chunk, strict=True)
            ]
            JobEvent.objects.bulk_create(events, batch_size=BATCH)
        counts["events"] = len(planned)
        counts["blocks"] = len(blocks)
        proofs = [ProofRequest(job_id=job_pk[j], state="READY") for j, s in evented if s in SETTLED]
        ProofRequest.objects.bulk_create(proofs, batch_size=BATCH)
        counts["proofs"] = len(proofs)
    return counts


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from apps.jobs.models import Job

    call_command("migrate", verbosity=0, interactive=False)
    existing = Job.objects.count()
    began = time.perf_counter()
    if existing == 0:
        counts = build()
        built = True
    elif existing == JOBS and Job.objects.filter(job_id__in=(1, JOBS)).count() == 2:
        counts = {"jobs": existing}
        built = False
    else:
        print(f"the database holds {existing} jobs; the bench needs an empty one (or its own)", file=sys.stderr)
        return 1
    # Fresh planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would keep
    # them in production: right after a bulk load the planner knows nothing of the data.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - began

    from apps.jobs.models import Agent, JobEvent

    # The detail case: a settled job with events, a provider and an evaluator; the client case:
    # the client of that job.
    detail = (
        Job.objects.filter(status="COMPLETED", provider__isnull=False, evaluator__isnull=False, events__isnull=False)
        .order_by("job_id")
        .values("job_id", "client__agent_id")
        .first()
    )
    if detail is None:
        print("no settled job with events in the bench database", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "built": built,
                "seconds": round(seconds, 1),
                "counts": counts,
                "jobs": Job.objects.count(),
                "agents": Agent.objects.count(),
                "events": JobEvent.objects.count(),
                "detail_job_id": detail["job_id"],
                "client_agent_id": detail["client__agent_id"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
