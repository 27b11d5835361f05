"""GET /api/v1/jobs, /jobs/{id}, its events, snapshots and dispute, and /disputes/{id} (seed 002)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.jobs.models import AgentSource, JobStatus, OfferStatus, ProofState, StakeRole, StrategyType
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


def error_of(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    return body["error"]


@pytest.fixture
def cex_job():
    client = AgentFactory(agent_id=1, name="MyClient", stake_available=Decimal(500 * USDC))
    provider = AgentFactory(agent_id=2, name="Prov", source=AgentSource.EXTERNAL)
    evaluator = AgentFactory(
        agent_id=3, source=AgentSource.EXTERNAL, reputation_score=85, evaluator_strategy_type=StrategyType.CEX_CAPITAL
    )
    return JobFactory(
        job_id=123,
        status=JobStatus.FUNDED,
        strategy_type=StrategyType.CEX_CAPITAL,
        client=client,
        provider=provider,
        evaluator=evaluator,
        stop_loss_bps=1000,
        target_return_bps=2000,
    )


def test_it_renders_the_full_job_object_of_seed_002(api, cex_job):
    StakeLockFactory(job=cex_job, agent=cex_job.provider, role=StakeRole.PROVIDER)
    SnapshotFactory(job=cex_job, snapshot_ts=T0 + timedelta(hours=4), tx_hash="0x" + "aa" * 32, block_number=12345678)
    OfferFactory(job=cex_job, agent=AgentFactory(agent_id=5), created_at=T0)
    created = JobEventFactory(job=cex_job, name="JobCreated", status_after=JobStatus.OPEN)
    JobEventFactory(job=cex_job, name="JobFunded", status_after=JobStatus.FUNDED)

    response = api.get("/api/v1/jobs/123")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    job = body["data"]
    assert {k: job[k] for k in ("jobId", "status", "strategyType", "clientId", "providerId", "evaluatorId")} == {
        "jobId": "123",
        "status": "FUNDED",
        "strategyType": "CEX_CAPITAL",
        "clientId": "1",
        "providerId": "2",
        "evaluatorId": "3",
    }
    assert job["budget"] == "100000000"
    assert job["escrowBalance"] == "100000000"
    assert job["deliverableHash"] is None
    assert job["passed"] is None
    assert job["platformFee"] is job["evaluatorFee"] is job["providerPayment"] is None
    assert job["onchainCreatedAt"] == "1745000000"
    assert job["onchainDeadline"] == "1750000000"
    assert job["onchainSubmittedAt"] is job["onchainSettledAt"] is None
    assert job["client"] == {
        "agentId": "1",
        "ownerAddress": cex_job.client.owner_address,
        "name": "MyClient",
        "source": "AACP",
        "reputation": {"score": 90, "totalJobs": 10, "completedJobs": 9},
        "stakingPool": {"available": "500000000", "locked": "0"},
    }
    assert job["provider"]["source"] == "EXTERNAL"
    assert job["evaluator"] == {
        "agentId": "3",
        "ownerAddress": cex_job.evaluator.owner_address,
        "source": "EXTERNAL",
        "reputation": {"score": 85, "totalJobs": 10, "completedJobs": 9},
        "evaluatorCapability": {"strategyType": "CEX_CAPITAL"},
    }
    assert job["stakeLocks"] == [
        {
            "agentId": "2",
            "role": "PROVIDER",
            "amount": "100000000",
            "active": True,
            "lockedAt": "2026-04-01T00:00:00Z",
            "releasedAt": None,
        }
    ]
    assert job["cexConfig"] == {"stopLossBps": 1000, "targetReturnBps": 2000}
    assert job["snapshots"] == [
        {
            "reportedValue": "1050000000",
            "snapshotTs": "2026-04-01T04:00:00Z",
            "txHash": "0x" + "aa" * 32,
            "blockNumber": "12345678",
        }
    ]
    assert job["dispute"] is None
    assert job["offers"] == [
        {
            "agentId": "5",
            "ownerAddress": job["offers"][0]["ownerAddress"],
            "status": "PENDING",
            "createdAt": "2026-04-01T00:00:00Z",
        }
    ]
    assert job["lifecycle"] == {
        "created": {"txHash": created.tx_hash, "blockNumber": str(created.block_number)},
        "submitted": None,
        "settled": None,
        "disputed": None,
    }
    assert job["proof"] is None


def test_cex_config_is_absent_for_other_strategies(api):
    JobFactory(job_id=7, strategy_type=StrategyType.PROGRAM)
    job = api.get("/api/v1/jobs/7").json()["data"]
    assert "cexConfig" not in job
    assert job["provider"] is None
    assert job["evaluator"] is None
    assert job["providerId"] is None


def test_the_lifecycle_takes_each_step_from_its_events(api):
    job = JobFactory(job_id=8, status=JobStatus.ARBITRATED)
    JobEventFactory(job=job, name="JobCreated")
    submitted = JobEventFactory(job=job, name="JobSubmitted", status_after=JobStatus.SUBMITTED)
    JobEventFactory(job=job, name="JobRejected", status_after=JobStatus.REJECTED)
    disputed = JobEventFactory(job=job, name="DisputeOpened", status_after=JobStatus.DISPUTED)
    resolved = JobEventFactory(job=job, name="DisputeResolved", status_after=JobStatus.ARBITRATED)

    lifecycle = api.get("/api/v1/jobs/8").json()["data"]["lifecycle"]

    assert lifecycle["submitted"] == {"txHash": submitted.tx_hash, "blockNumber": str(submitted.block_number)}
    assert lifecycle["settled"]["txHash"] == resolved.tx_hash  # the last settlement wins
    assert lifecycle["disputed"]["txHash"] == disputed.tx_hash


def test_the_job_shows_its_proof_state_and_dispute(api):
    dispute = DisputeFactory(dispute_id=4)
    ProofRequestFactory(job=dispute.job, state=ProofState.PROVING)
    job = api.get(f"/api/v1/jobs/{dispute.job.job_id}").json()["data"]
    assert job["proof"] == {
        "state": "PROVING",
        "provingMs": None,
        "error": None,
        "zkProof": None,
        "publicInputs": None,
        "onChain": None,
    }
    assert job["dispute"]["disputeId"] == "4"
    assert job["dispute"]["status"] == "OPEN"


@pytest.mark.parametrize("job_id", ["abc", "0", "-1", "1.5", "1" * 80])
def test_a_malformed_job_id_is_a_400(api, job_id):
    assert error_of(api.get(f"/api/v1/jobs/{job_id}"), 400)["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("job_id", ["999", str(2**64)])
def test_an_unknown_job_is_a_404(api, job_id):
    assert error_of(api.get(f"/api/v1/jobs/{job_id}"), 404)["code"] == "JOB_NOT_FOUND"


def test_the_list_is_paginated_newest_first(api):
    for job_id in (1, 2, 3):
        JobFactory(job_id=job_id)
    body = api.get("/api/v1/jobs?limit=2&page=1").json()
    assert [j["jobId"] for j in body["data"]] == ["3", "2"]
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 3}
    assert "offers" not in body["data"][0] and "stakeLocks" not in body["data"][0]


def test_the_list_filters_by_status_strategy_and_roles(api):
    provider = AgentFactory(agent_id=50)
    JobFactory(job_id=1, status=JobStatus.OPEN)
    JobFactory(job_id=2, status=JobStatus.FUNDED, strategy_type=StrategyType.CEX_CAPITAL, provider=provider)
    JobFactory(job_id=3, status=JobStatus.FUNDED, evaluator=provider)

    def ids(query):
        response = api.get(f"/api/v1/jobs?{query}")
        assert response.status_code == 200, response.content
        return [j["jobId"] for j in response.json()["data"]]

    assert ids("status=FUNDED") == ["3", "2"]
    assert ids("status=FUNDED&strategyType=CEX_CAPITAL") == ["2"]
    assert ids("providerId=50") == ["2"]
    assert ids("evaluatorId=50") == ["3"]
    assert ids("clientId=999999") == []


def test_owner_address_matches_any_role_case_insensitively(api):
    wallet = AgentFactory(agent_id=60)
    JobFactory(job_id=1, client=wallet)
    JobFactory(job_id=2, provider=wallet)
    JobFactory(job_id=3, evaluator=wallet)
    JobFactory(job_id=4)
    response = api.get(f"/api/v1/jobs?ownerAddress={wallet.owner_address.lower()}")
    assert [j["jobId"] for j in response.json()["data"]] == ["3", "2", "1"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=FOO", "status"),
        ("strategyType=BAR", "strategyType"),
        ("clientId=abc", "clientId"),
        ("providerId=-3", "providerId"),
        ("evaluatorId=1e3", "evaluatorId"),
        ("ownerAddress=0x123", "ownerAddress"),
        ("clientId=" + "9" * 30, "clientId"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_parameter(api, query, parameter):
    error = error_of(api.get(f"/api/v1/jobs?{query}"), 400)
    assert error["message"].startswith(parameter)


def test_an_unknown_filter_name_is_a_400(api):
    error = error_of(api.get("/api/v1/jobs?colour=red"), 400)
    assert error["code"] == "UNKNOWN_FILTER"
    assert "colour" in error["message"]


def test_a_page_past_the_end_is_empty_with_the_totals(api):
    JobFactory()
    response = api.get("/api/v1/jobs?page=3")
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["pagination"] == {"page": 3, "limit": 20, "total": 1}


def test_events_are_paginated_in_chain_order_and_filter_by_status(api):
    job = JobFactory(job_id=9)
    first = JobEventFactory(job=job, name="JobCreated", status_after=JobStatus.OPEN, args={"jobId": "9"})
    JobEventFactory(job=job, name="JobFunded", status_after=JobStatus.FUNDED)
    JobEventFactory(job=job, name="Transfer", status_after="")

    body = api.get("/api/v1/jobs/9/events?page=1&limit=50").json()

    assert body["pagination"] == {"page": 1, "limit": 50, "total": 3}
    assert body["data"][0] == {
        "name": "JobCreated",
        "status": "OPEN",
        "args": {"jobId": "9"},
        "txHash": first.tx_hash,
        "blockNumber": str(first.block_number),
        "blockTimestamp": str(first.block_timestamp),
        "logIndex": 0,
    }
    assert body["data"][2]["status"] is None
    funded = api.get("/api/v1/jobs/9/events?status=FUNDED").json()["data"]
    assert [e["name"] for e in funded] == ["JobFunded"]
    assert error_of(api.get("/api/v1/jobs/9/events?status=FOO"), 400)["message"].startswith("status")


def test_events_of_an_unknown_job_are_a_404(api):
    error_of(api.get("/api/v1/jobs/404/events"), 404)


def test_snapshots_carry_the_balance_report_and_attestation(api):
    snapshot = SnapshotFactory(job__job_id=11)
    body = api.get("/api/v1/jobs/11/snapshots").json()
    assert body["success"] is True
    assert body["pagination"]["total"] == 1
    assert body["data"] == [
        {
            "reportedValue": "1050000000",
            "snapshotTs": "2026-04-01T00:00:00Z",
            "txHash": snapshot.tx_hash,
            "blockNumber": str(snapshot.block_number),
            "balanceReport": {"USDT": "1050.00"},
            "attestation": "0xabcd",
        }
    ]


def test_a_job_without_a_dispute_has_null(api):
    JobFactory(job_id=12)
    assert api.get("/api/v1/jobs/12/dispute").json() == {"success": True, "data": None}


def test_the_dispute_of_a_job_and_by_id_are_the_same_object(api):
    dispute = DisputeFactory(
        dispute_id=3, job__job_id=13, resolved=True, provider_wins=True, resolved_at=T0 + timedelta(days=1)
    )
    by_job = api.get("/api/v1/jobs/13/dispute").json()["data"]
    by_id = api.get("/api/v1/disputes/3").json()["data"]
    assert by_job == by_id
    assert by_id == {
        "disputeId": "3",
        "jobId": "13",
        "status": "RESOLVED",
        "openedBy": dispute.opened_by,
        "openerId": str(dispute.opener.agent_id),
        "fromStatus": "REJECTED",
        "reasonHash": "0x" + "12" * 32,
        "collateral": "10000000",
        "providerWins": True,
        "openedAt": "2026-04-01T00:00:00Z",
        "resolvedAt": "2026-04-02T00:00:00Z",
    }


def test_an_unknown_dispute_is_a_404_and_a_malformed_one_a_400(api):
    assert error_of(api.get("/api/v1/disputes/77"), 404)["code"] == "DISPUTE_NOT_FOUND"
    error_of(api.get("/api/v1/disputes/x"), 400)


def test_offers_of_a_job_are_listed(api):
    offer = OfferFactory(job__job_id=14, status=OfferStatus.WITHDRAWN)
    assert api.get("/api/v1/jobs/14/offers").json() == {
        "success": True,
        "data": [
            {
                "agentId": str(offer.agent.agent_id),
                "ownerAddress": offer.owner_address,
                "status": "WITHDRAWN",
                "createdAt": "2026-04-01T00:00:00Z",
            }
        ],
    }


@pytest.mark.django_db
def test_a_malformed_owner_address_says_what_an_address_looks_like(api):
    response = api.get("/api/v1/jobs", {"ownerAddress": "0x123"})
    assert response.status_code == 400
    assert "0x-prefixed 20-byte hex address" in response.json()["error"]["message"]
