"""The SQL selectors and presenters answer exactly what the querysets and serializers did (the
serializers stay as the schema, the querysets serve the explorer pages): same jobs for every
filter, same job objects key for key, in the same order."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.renderers import JSONRenderer

from apps.jobs.api.jobs import JobListView
from apps.jobs.models import AgentSource, JobStatus, OfferStatus, ProofState, StakeRole, StrategyType
from apps.jobs.selectors import JobFilters, job_detail, job_list
from apps.jobs.serializers import JobDetailSerializer, JobSummarySerializer
from tests.jobs.api.factories import (
    T0,
    USDC,
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


def as_text(data) -> str:
    """JSON text with the keys in their order, so a reordered object differs."""
    return json.dumps(json.loads(JSONRenderer().render(data)))


@pytest.fixture
def jobs():
    """Jobs covering every branch of the job object: each strategy, settled or not, parties
    missing or not, evaluators with and without a capability, parts, disputes and proofs."""
    owner = AgentFactory(agent_id=7, name="Ünïcode ✓", source=AgentSource.EXTERNAL, stake_locked=Decimal("1E+8"))
    capable = AgentFactory(agent_id=8, evaluator_strategy_type=StrategyType.CEX_CAPITAL, reputation_score=0)
    plain_evaluator = AgentFactory(agent_id=9)
    # On SQLite the ORM reads every NUMERIC through a float rounded to 15 digits (the SQL path
    # keeps a stored integer's digits), so a value with more of them is only compared here on
    # PostgreSQL, where both read it exactly.
    huge = Decimal(2**255 if connection.vendor == "postgresql" else 10**20)
    made = [
        JobFactory(job_id=1, status=JobStatus.OPEN, strategy_type=StrategyType.PROGRAM, client=owner),
        JobFactory(
            job_id=2,
            status=JobStatus.FUNDED,
            strategy_type=StrategyType.CEX_CAPITAL,
            provider=owner,
            evaluator=capable,
            stop_loss_bps=500,
            target_return_bps=None,
            budget=huge,
            escrow_balance=huge,
        ),
        JobFactory(
            job_id=3,
            status=JobStatus.COMPLETED,
            strategy_type=StrategyType.HYBRID,
            provider=AgentFactory(agent_id=10),
            evaluator=plain_evaluator,
            deliverable_hash="0x" + "ab" * 32,
            passed=True,
            platform_fee=Decimal(1 * USDC),
            evaluator_fee=Decimal(2 * USDC),
            provider_payment=Decimal(97 * USDC),
            onchain_submitted_at=1_745_003_600,
            onchain_settled_at=1_745_007_200,
        ),
        JobFactory(
            job_id=4,
            status=JobStatus.REJECTED,
            strategy_type=StrategyType.RUBRIC,
            evaluator=owner,
            passed=False,
            escrow_balance=Decimal(0),
        ),
        JobFactory(
            job_id=5,
            status=JobStatus.ARBITRATED,
            strategy_type=StrategyType.CEX_CAPITAL,
            provider=capable,
            evaluator=AgentFactory(agent_id=11, owner_address=owner.owner_address.lower()),  # the same wallet
        ),
    ]
    for job in made[1:]:
        JobEventFactory(job=job, name="JobCreated")
    for job in made[2:]:
        JobEventFactory(job=job, name="JobSubmitted", status_after=JobStatus.SUBMITTED)
    JobEventFactory(job=made[2], name="JobCompleted", status_after=JobStatus.COMPLETED)
    JobEventFactory(job=made[2], name="Transfer", status_after="")
    JobEventFactory(job=made[4], name="DisputeOpened", status_after=JobStatus.DISPUTED)
    JobEventFactory(job=made[4], name="DisputeResolved", status_after=JobStatus.ARBITRATED)
    ProofRequestFactory(
        job=made[2], state=ProofState.READY, proof="0x" + "01" * 256, public_inputs="0x" + "02" * 288, proving_ms=640
    )
    recorded = {"jobId": "3", "passed": True, "zkProof": "0x" + "01" * 256, "publicInputs": "0x" + "02" * 288}
    JobEventFactory(job=made[2], name="ProofRecorded", status_after=JobStatus.SUBMITTED, args=recorded)
    ProofRequestFactory(job=made[3], state=ProofState.FAILED, error="snarkjs could not prove")
    for n, job in enumerate(made[1:3]):
        StakeLockFactory(job=job, agent=owner, role=StakeRole.CLIENT, locked_at=T0 + timedelta(minutes=n))
        StakeLockFactory(
            job=job,
            agent=capable,
            role=StakeRole.EVALUATOR,
            active=False,
            locked_at=T0,
            released_at=T0 + timedelta(hours=1, microseconds=5),
        )
        for hours in (1, 3, 2):
            SnapshotFactory(job=job, snapshot_ts=T0 + timedelta(hours=hours), reported_value=huge)
    OfferFactory(job=made[0], agent=capable, created_at=T0 + timedelta(seconds=1))
    OfferFactory(job=made[0], agent=plain_evaluator, status=OfferStatus.WITHDRAWN, created_at=T0)
    DisputeFactory(job=made[3], opener=owner, provider_wins=None)
    DisputeFactory(
        job=made[4], resolved=True, provider_wins=False, resolved_at=T0 + timedelta(days=2), collateral=Decimal(0)
    )
    return made


def test_every_job_object_is_the_serializers(api, jobs):
    for job in jobs:
        response = api.get(f"/api/v1/jobs/{job.job_id}")

        expected = JobDetailSerializer(job_detail(job_id=job.job_id)).data
        assert as_text(response.json()["data"]) == as_text(expected), job.job_id


def test_every_list_item_is_the_serializers(api, jobs):
    response = api.get("/api/v1/jobs?limit=100")

    expected = JobSummarySerializer(job_list(filters=JobFilters()), many=True).data
    assert as_text(response.json()["data"]) == as_text(expected)


def filters_of(query: dict[str, str]) -> JobFilters:
    params = JobListView.FilterSerializer(data=query)
    params.is_valid(raise_exception=True)
    return params.to_filters()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "FUNDED"},
        {"strategyType": "CEX_CAPITAL"},
        {"status": "ARBITRATED", "strategyType": "CEX_CAPITAL"},
        {"status": "OPEN", "strategyType": "CEX_CAPITAL"},
        {"clientId": "7"},
        {"providerId": "7"},
        {"evaluatorId": "7"},
        {"providerId": "8", "strategyType": "CEX_CAPITAL"},
        {"clientId": "999999"},
        {"ownerAddress": "lower"},
        {"ownerAddress": "upper"},
        {"ownerAddress": "0x" + "0" * 40},
        {"ownerAddress": "lower", "status": "REJECTED"},
    ],
)
def test_every_filter_selects_what_the_queryset_selects(api, jobs, query):
    owner = jobs[0].client.owner_address[2:]
    spelled = {"lower": "0x" + owner.lower(), "upper": "0x" + owner.upper()}
    if "ownerAddress" in query:
        query = {**query, "ownerAddress": spelled.get(query["ownerAddress"], query["ownerAddress"])}

    response = api.get("/api/v1/jobs", {**query, "limit": "100"})

    assert response.status_code == 200, response.content
    expected = [str(job.job_id) for job in job_list(filters=filters_of(query))]
    assert [job["jobId"] for job in response.json()["data"]] == expected
    assert response.json()["pagination"]["total"] == len(expected)
