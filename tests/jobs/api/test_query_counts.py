"""The job reads run a fixed number of queries, however many jobs, events and parts there are."""

from __future__ import annotations

import pytest

from apps.jobs.api import freshness
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


# What tests/bench/jobs_api.py counts (its pre-flight runs after one call, as here): the
# X-Indexed-Block position is read at most once a second, so a request in between reads none.
# A list: the count, the page (parties joined, the proof by subquery) and its lifecycle events.
PAGE_QUERIES = 3
# A job without stake locks, snapshots or offers: its row (parties, dispute and proof, and
# whether each of those parts has rows) and its lifecycle events; one more per part it has.
BARE_DETAIL_QUERIES = 2


def busy_jobs(count: int, *, strategy_type=StrategyType.CEX_CAPITAL) -> list:
    """`count` FUNDED jobs of one client, each with its own provider, evaluator, events, proof,
    stake locks, snapshots, offers and dispute: whatever a list could fetch per row."""
    client = AgentFactory()
    jobs = []
    for job_id in range(1, count + 1):
        job = JobFactory(
            job_id=job_id,
            status=JobStatus.FUNDED,
            strategy_type=strategy_type,
            client=client,
            provider=AgentFactory(),
            evaluator=AgentFactory(evaluator_strategy_type=strategy_type),
        )
        for name in ("JobCreated", "JobFunded", "JobSubmitted"):
            JobEventFactory(job=job, name=name)
        ProofRequestFactory(job=job)
        StakeLockFactory(job=job, agent=job.provider)
        SnapshotFactory(job=job)
        OfferFactory(job=job)
        DisputeFactory(job=job, opener=job.provider)
        jobs.append(job)
    return jobs


@pytest.fixture
def warm(api, monkeypatch):
    """One call first: it reads the indexer's position, which the next second's calls reuse
    (here the rest of the test's, so a slow machine cannot make the counted call read it)."""
    monkeypatch.setattr(freshness, "POSITION_TTL", 3600)

    def call() -> None:
        assert api.get("/api/v1/jobs?limit=1").status_code == 200

    return call


def test_a_status_and_strategy_page_runs_three_queries(api, warm, django_assert_num_queries):
    busy_jobs(25)
    JobFactory(job_id=99, status=JobStatus.FUNDED, strategy_type=StrategyType.PROGRAM)
    warm()

    with django_assert_num_queries(PAGE_QUERIES):
        response = api.get("/api/v1/jobs?status=FUNDED&strategyType=CEX_CAPITAL&page=2&limit=10")

    data = response.json()["data"]
    assert [job["jobId"] for job in data] == [str(n) for n in range(15, 5, -1)]
    assert all(job["lifecycle"]["submitted"] and job["proof"] and job["evaluator"] for job in data)


def test_a_client_page_runs_three_queries(api, warm, django_assert_num_queries):
    client = busy_jobs(12)[0].client
    JobFactory(job_id=99)
    warm()

    with django_assert_num_queries(PAGE_QUERIES):
        response = api.get(f"/api/v1/jobs?clientId={client.agent_id}&limit=20")

    assert response.json()["pagination"]["total"] == 12
    assert len({job["provider"]["agentId"] for job in response.json()["data"]}) == 12


def test_a_page_past_the_end_runs_only_the_count(api, warm, django_assert_num_queries):
    busy_jobs(3)
    warm()

    with django_assert_num_queries(1):
        response = api.get("/api/v1/jobs?page=2&limit=5")

    assert response.json()["data"] == []


def test_the_detail_of_a_job_with_only_events_runs_two_queries(api, warm, django_assert_num_queries):
    job = JobFactory(job_id=1, status=JobStatus.COMPLETED, provider=AgentFactory(), evaluator=AgentFactory())
    for name in ("JobCreated", "JobSubmitted", "JobCompleted"):
        JobEventFactory(job=job, name=name)
    ProofRequestFactory(job=job)
    warm()

    with django_assert_num_queries(BARE_DETAIL_QUERIES):
        response = api.get("/api/v1/jobs/1")

    data = response.json()["data"]
    assert data["lifecycle"]["settled"] is not None and data["proof"] is not None
    assert data["stakeLocks"] == data["snapshots"] == data["offers"] == []


@pytest.mark.parametrize(
    ("parts", "queries"),
    [
        ((), BARE_DETAIL_QUERIES),
        (("stake_locks",), BARE_DETAIL_QUERIES + 1),
        (("snapshots", "offers"), BARE_DETAIL_QUERIES + 2),
        (("stake_locks", "snapshots", "offers", "dispute"), BARE_DETAIL_QUERIES + 3),
    ],
)
def test_each_part_a_job_has_costs_one_query_whatever_its_size(api, warm, django_assert_num_queries, parts, queries):
    job = busy_job(1, AgentFactory())
    factories = {"stake_locks": StakeLockFactory, "snapshots": SnapshotFactory, "offers": OfferFactory}
    for part in parts:
        if part == "dispute":
            DisputeFactory(job=job)
            continue
        for _ in range(4):
            factories[part](job=job)
    warm()

    with django_assert_num_queries(queries):
        response = api.get("/api/v1/jobs/1")

    data = response.json()["data"]
    assert [len(data[key]) for key in ("stakeLocks", "snapshots", "offers")] == [
        4 if part in parts else 0 for part in factories
    ]
    assert (data["dispute"] is not None) == ("dispute" in parts)
