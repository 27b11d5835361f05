"""The jobs explorer pages: the list with the API's filters, and one job's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.jobs.models import JobStatus, OfferStatus, ProofState, StrategyType
from apps.jobs.views import usdc
from tests.jobs.api.factories import (
    USDC,
    AgentFactory,
    DisputeFactory,
    IndexedBlockFactory,
    JobEventFactory,
    JobFactory,
    OfferFactory,
    ProofRequestFactory,
    SnapshotFactory,
    StakeLockFactory,
)

pytestmark = pytest.mark.django_db

# count, page of jobs (with client, provider, evaluator, proof joined), their lifecycle events
LIST_QUERIES = 3


def test_usdc_amounts_have_six_decimals_without_floats():
    assert usdc(Decimal("1E+8")).human == "100.000000"
    assert usdc(Decimal(1)).human == "0.000001"
    assert usdc(123_456_789_012_345_678_901).raw == "123456789012345678901"
    assert usdc(123_456_789_012_345_678_901).human == "123,456,789,012,345.678901"
    assert usdc(None) is None


def test_the_layout_links_to_the_jobs_for_everyone(client):
    page = client.get(reverse("jobs:list")).content.decode()
    assert f'href="{reverse("jobs:list")}"' in page
    assert reverse("jobs:list") == "/jobs"


def test_the_list_shows_jobs_newest_first_with_links(client):
    JobFactory(job_id=7, budget=Decimal(250 * USDC))
    JobFactory(job_id=9)

    response = client.get("/jobs")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="/jobs/7"' in page and 'href="/jobs/9"' in page
    assert page.index('href="/jobs/9"') < page.index('href="/jobs/7"')
    assert "250.000000" in page
    assert "2 jobs" in page


def test_the_list_filters_like_the_api(client):
    owner = AgentFactory()
    provider = AgentFactory(agent_id=555)
    JobFactory(job_id=1, status=JobStatus.OPEN)
    JobFactory(job_id=2, status=JobStatus.FUNDED, strategy_type=StrategyType.CEX_CAPITAL)
    JobFactory(job_id=3, status=JobStatus.FUNDED, provider=provider)
    JobFactory(job_id=4, client=owner)

    def shown(query: str) -> set[int]:
        response = client.get(f"/jobs?{query}")
        assert response.status_code == 200
        return {n for n in (1, 2, 3, 4) if f'href="/jobs/{n}"' in response.content.decode()}

    assert shown("status=FUNDED") == {2, 3, 4}
    assert shown("status=FUNDED&strategyType=CEX_CAPITAL") == {2}
    assert shown("providerId=555") == {3}
    assert shown(f"ownerAddress={owner.owner_address.lower()}") == {4}
    assert shown("status=&strategyType=&clientId=&ownerAddress=") == {1, 2, 3, 4}  # an empty form
    # the form keeps what was asked
    page = client.get("/jobs?status=FUNDED&providerId=555").content.decode()
    assert '<option value="FUNDED" selected>' in page
    assert 'name="providerId" value="555"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=NOPE", "status:"),
        ("clientId=abc", "clientId: must be a positive integer."),
        ("providerId=99999999999999999999", "providerId: must be at most"),
        ("ownerAddress=0x12", "ownerAddress:"),
        ("page=zero", "page must be a positive integer."),
        ("page=0", "page must be a positive integer."),
    ],
)
def test_a_bad_filter_shows_a_message_not_a_crash(client, query, message):
    JobFactory(job_id=1)

    response = client.get(f"/jobs?{query}")

    page = response.content.decode()
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'id="filter-errors"' in page
    assert message in page
    assert 'href="/jobs/1"' not in page
    assert "<form" in page  # the filter form is still there to fix it


def test_pagination_links_keep_the_filters(client):
    for job_id in range(1, 46):
        JobFactory(job_id=job_id, status=JobStatus.FUNDED)
    JobFactory(job_id=100, status=JobStatus.OPEN)

    first = client.get("/jobs?status=FUNDED").content.decode()
    assert "Page 1 of 3" in first
    assert 'href="?status=FUNDED&amp;page=2"' in first
    assert 'rel="prev"' not in first
    assert first.count('href="/jobs/') == 20

    second = client.get("/jobs?status=FUNDED&page=2").content.decode()
    assert 'href="?status=FUNDED&amp;page=1"' in second
    assert 'href="?status=FUNDED&amp;page=3"' in second
    assert 'href="/jobs/25"' in second and 'href="/jobs/26"' not in second

    last = client.get("/jobs?status=FUNDED&page=3").content.decode()
    assert last.count('href="/jobs/') == 5
    assert 'rel="next"' not in last
    assert 'href="/jobs/100"' not in last
    # past the end shows the last page rather than an error
    assert client.get("/jobs?status=FUNDED&page=99").status_code == 200


def test_the_list_page_does_not_grow_with_the_jobs(client, django_assert_max_num_queries):
    owner = AgentFactory()
    for job_id in range(1, 31):
        job = JobFactory(
            job_id=job_id,
            provider=owner,
            evaluator=AgentFactory(evaluator_strategy_type=StrategyType.PROGRAM),
        )
        for name in ("JobCreated", "JobFunded", "JobSubmitted"):
            JobEventFactory(job=job, name=name)
        ProofRequestFactory(job=job)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(f"/jobs?ownerAddress={owner.owner_address}")
    with django_assert_max_num_queries(LIST_QUERIES):
        second = client.get(f"/jobs?ownerAddress={owner.owner_address}&page=2")

    assert response.content.decode().count('href="/jobs/') == 20
    assert second.content.decode().count('href="/jobs/') == 10


def _events_in_chain_order(job):
    """Events created out of chain order: the page must sort them by block, then log index."""
    late = IndexedBlockFactory(number=20_000_002)
    early = IndexedBlockFactory(number=20_000_001)
    steps = [
        ("JobSubmitted", JobStatus.SUBMITTED, late, 3, "0x" + "c" * 64),
        ("JobCreated", JobStatus.OPEN, early, 0, "0x" + "a" * 64),
        ("JobCompleted", JobStatus.COMPLETED, late, 7, "0x" + "d" * 64),
        ("JobFunded", JobStatus.FUNDED, early, 1, "0x" + "b" * 64),
    ]
    for name, status, block, log_index, tx_hash in steps:
        JobEventFactory(job=job, name=name, status_after=status, block=block, log_index=log_index, tx_hash=tx_hash)


def test_the_job_page_shows_its_timeline_in_chain_order(client):
    job = JobFactory(
        job_id=42,
        status=JobStatus.COMPLETED,
        provider=AgentFactory(agent_id=77, name="Prov", reputation_score=81, stake_available=Decimal(12_500_000)),
        evaluator=AgentFactory(agent_id=78, evaluator_strategy_type=StrategyType.PROGRAM),
        budget=Decimal(1000 * USDC),
        provider_payment=Decimal(940_500_000),
    )
    _events_in_chain_order(job)
    ProofRequestFactory(job=job, state=ProofState.READY)

    response = client.get("/jobs/42")

    page = response.content.decode()
    assert response.status_code == 200
    timeline = page[page.index('id="timeline"') : page.index('id="stake-locks"')]
    names = ["JobCreated", "JobFunded", "JobSubmitted", "JobCompleted"]
    positions = [timeline.index(f"<strong>{name}</strong>") for name in names]
    assert positions == sorted(positions)
    hashes = [timeline.index("0x" + c * 64) for c in "abcd"]
    assert hashes == sorted(hashes)
    assert "block 20000001" in timeline and "block 20000002" in timeline
    for status in ("OPEN", "FUNDED", "SUBMITTED", "COMPLETED"):
        assert f">{status}</span>" in timeline
    # parties with reputation and stake, amounts raw and human
    assert "Prov" in page and ">81<" in page and "12.500000" in page
    assert "1,000.000000 USDC" in page and "(1000000000)" in page
    assert "940.500000 USDC" in page
    assert ">READY</span>" in page
    assert 'id="cex-config"' not in page


def test_the_job_page_shows_the_proof_and_the_block_that_verified_it(client):
    job = JobFactory(job_id=43, status=JobStatus.COMPLETED)
    ProofRequestFactory(job=job, state=ProofState.READY, proof="0x" + "01" * 256, proving_ms=640)
    public_inputs = "0x" + "02" * 288
    JobEventFactory(
        job=job,
        name="ProofRecorded",
        block=IndexedBlockFactory(number=20_000_009),
        args={"jobId": "43", "passed": True, "zkProof": "0x" + "01" * 256, "publicInputs": public_inputs},
    )

    page = client.get("/jobs/43").content.decode()

    assert "proved in 640 ms" in page
    on_chain = page[page.index('id="proof-on-chain"') :]
    assert "proof verified on-chain in block 20000009" in on_chain
    assert "passed" in on_chain
    assert public_inputs in on_chain


def test_a_job_not_settled_shows_no_on_chain_proof(client):
    job = JobFactory(job_id=44, status=JobStatus.SUBMITTED)
    ProofRequestFactory(job=job, state=ProofState.READY, proof="0x" + "01" * 256, proving_ms=640)

    page = client.get("/jobs/44").content.decode()

    assert ">READY</span>" in page
    assert "verified on-chain" not in page


def test_the_job_page_shows_offers_locks_and_dispute(client):
    job = JobFactory(job_id=5, status=JobStatus.DISPUTED)
    OfferFactory(job=job, agent=AgentFactory(agent_id=301, name="First bidder"))
    OfferFactory(job=job, agent=AgentFactory(agent_id=302), status=OfferStatus.ACCEPTED)
    StakeLockFactory(job=job, agent=job.client, amount=Decimal(20 * USDC))
    DisputeFactory(job=job, dispute_id=9, collateral=Decimal(10 * USDC))

    page = client.get("/jobs/5").content.decode()

    offers = page[page.index('id="offers"') :]
    assert "First bidder" in offers and offers.index("301") < offers.index("302")
    assert ">ACCEPTED</span>" in offers and ">PENDING</span>" in offers
    locks = page[page.index('id="stake-locks"') : page.index('id="snapshots"')]
    assert "20.000000" in locks and "PROVIDER" in locks
    dispute = page[page.index('id="dispute"') : page.index('id="offers"')]
    assert "#9" in dispute and "OPEN" in dispute and "10.000000 USDC" in dispute
    assert "not requested" in page  # no proof yet
    assert "No snapshots." in page


def test_a_cex_job_shows_its_config_and_snapshots(client):
    job = JobFactory(
        job_id=6,
        strategy_type=StrategyType.CEX_CAPITAL,
        cex_capital=Decimal(5000 * USDC),
        stop_loss_bps=500,
        target_return_bps=1200,
    )
    SnapshotFactory(job=job, reported_value=Decimal(1_050_250_000), tx_hash="0x" + "e" * 64, block_number=777)

    page = client.get("/jobs/6").content.decode()

    cex = page[page.index('id="cex-config"') : page.index('id="parties"')]
    assert "5,000.000000 USDC" in cex and "500 bps" in cex and "1200 bps" in cex
    snapshots = page[page.index('id="snapshots"') : page.index('id="dispute"')]
    assert "1,050.250000" in snapshots and "0x" + "e" * 64 in snapshots and "777" in snapshots


def test_the_job_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    job = JobFactory(job_id=8, provider=AgentFactory(), evaluator=AgentFactory())
    _events_in_chain_order(job)
    DisputeFactory(job=job)
    for _ in range(5):
        StakeLockFactory(job=job)
        SnapshotFactory(job=job)
        OfferFactory(job=job)

    # the detail selector's five, and the job's full event list for the timeline
    with django_assert_max_num_queries(6):
        assert client.get("/jobs/8").status_code == 200


@pytest.mark.parametrize("path", ["/jobs/12345", "/jobs/0", f"/jobs/{2**63}", f"/jobs/{10**80}"])
def test_an_unknown_job_is_a_404_page(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Job not found" in response.content.decode()
    assert 'href="/jobs"' in response.content.decode()


def test_a_non_numeric_job_id_is_not_a_job_page(client):
    assert client.get("/jobs/abc").status_code == 404
