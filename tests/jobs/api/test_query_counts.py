"""The job reads run a fixed number of queries, however many jobs, events and parts there are."""

from __future__ import annotations

import pytest

from apps.jobs.models import JobStatus, StrategyType
from tests.jobs.api.factories import (
    AgentFactory,
    DisputeFactory,
    JobEventFactory,
    JobFactory,
    OfferFactory,
    ProofRequestFactory,
    SnapshotFactory,
    StakeLockFactory,
)

pytestmark = pytest.mark.django_db

# count, page of jobs (with client, provider, evaluator, proof joined), their lifecycle events,
# the indexed block (X-Indexed-Block)
LIST_QUERIES = 4
# the job (with its agents, proof and dispute joined), lifecycle events, stake locks, snapshots,
# offers, the indexed block
DETAIL_QUERIES = 6


def busy_job(job_id: int, owner):
    job = JobFactory(
        job_id=job_id,
        status=JobStatus.FUNDED,
        strategy_type=StrategyType.CEX_CAPITAL,
        provider=owner,
        evaluator=AgentFactory(evaluator_strategy_type=StrategyType.CEX_CAPITAL),
    )
    for name in ("JobCreated", "JobFunded", "JobSubmitted", "JobCompleted"):
        JobEventFactory(job=job, name=name)
    ProofRequestFactory(job=job)
    return job


def test_the_job_list_does_not_grow_with_the_jobs(api, django_assert_num_queries):
    owner = AgentFactory()
    for job_id in range(1, 31):
        busy_job(job_id, owner)

    with django_assert_num_queries(LIST_QUERIES):
        response = api.get(f"/api/v1/jobs?status=FUNDED&ownerAddress={owner.owner_address}&limit=30")

    assert response.status_code == 200
    assert len(response.json()["data"]) == 30
    assert all(job["lifecycle"]["settled"] is not None for job in response.json()["data"])


def test_the_job_detail_does_not_grow_with_its_parts(api, django_assert_num_queries):
    job = busy_job(1, AgentFactory())
    DisputeFactory(job=job)
    for _ in range(5):
        StakeLockFactory(job=job)
        SnapshotFactory(job=job)
        OfferFactory(job=job)
        JobEventFactory(job=job, name="Snapshot")

    with django_assert_num_queries(DETAIL_QUERIES):
        response = api.get("/api/v1/jobs/1")

    data = response.json()["data"]
    assert len(data["stakeLocks"]) == len(data["snapshots"]) == len(data["offers"]) == 5
    assert data["dispute"] is not None
