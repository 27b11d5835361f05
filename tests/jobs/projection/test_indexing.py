"""The "aacp" projection on the seeded eth-tester chain: the seed's flows as real transactions,
the follower run after each step, and the projected rows checked against the contracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from web3 import Web3

from apps.jobs.chain.deploy import USDC
from apps.jobs.models import (
    Agent,
    Dispute,
    Job,
    JobEvent,
    Offer,
    ProofRequest,
    Snapshot,
    StakeLock,
)
from apps.jobs.projection.expiry import expire_overdue_jobs
from apps.jobs.tasks import index_chain
from tests.jobs.conftest import (
    BUDGET,
    CEX_CAPITAL,
    CLIENT_ID,
    DELIVERABLE_HASH,
    EVALUATOR_ID,
    POOR_PROVIDER_ID,
    PROGRAM_HASH,
    PROVIDER_ID,
    PROVIDER_SCORE,
    PROVIDER_STAKE_POOL,
)

pytestmark = pytest.mark.django_db

REASON_HASH = Web3.keccak(text="ipfs://dispute-reason")
JOB_STAKE = 100 * USDC


def job(job_id: int) -> Job:
    return Job.objects.get(job_id=job_id)


def agent(agent_id: int) -> Agent:
    return Agent.objects.get(agent_id=agent_id)


def assert_agents_match_chain(chain) -> None:
    for row in Agent.objects.all():
        assert (int(row.stake_available), int(row.stake_locked)) == chain.stake(row.agent_id), row
        assert (row.reputation_score, row.total_jobs, row.completed_jobs) == chain.reputation_of(row.agent_id), row
        assert row.owner_address == chain.registry.functions.ownerOf(row.agent_id).call()


def event_trail(job_id: int) -> list[tuple[str, str]]:
    return list(JobEvent.objects.filter(job_number=job_id).values_list("name", "status_after"))


def test_it_projects_the_seeded_agents_with_their_stake_and_reputation(chain, index):
    index()
    assert Agent.objects.count() == 5
    provider = agent(PROVIDER_ID)
    assert (provider.name, provider.source, provider.owner_address) == ("Provider", "EXTERNAL", chain.provider)
    assert provider.stake_available == Decimal(PROVIDER_STAKE_POOL) and provider.stake_locked == 0
    assert provider.reputation_score == PROVIDER_SCORE
    assert agent(CLIENT_ID).reputation_score == 50  # nobody scored it yet: the contract's default
    assert agent(EVALUATOR_ID).evaluator_strategy_type == "PROGRAM"
    assert agent(CLIENT_ID).evaluator_strategy_type == ""
    assert_agents_match_chain(chain)


def test_an_agent_nft_transfer_moves_its_owner(chain, index):
    chain.send(chain.registry.functions.transferFrom(chain.provider, chain.stranger, PROVIDER_ID), chain.provider)
    index()
    assert agent(PROVIDER_ID).owner_address == chain.stranger


def test_it_follows_the_seed_flow_from_open_to_completed(chain, index):
    index()
    job_id = chain.create_job()
    index()
    created = job(job_id)
    assert (created.status, created.strategy_type, created.client.agent_id) == ("OPEN", "PROGRAM", CLIENT_ID)
    assert created.budget == Decimal(BUDGET) and created.escrow_balance == 0
    assert created.program_hash == PROGRAM_HASH.to_0x_hex()
    assert created.onchain_deadline == chain.job(job_id)["deadline"]
    assert created.onchain_created_at == chain.job(job_id)["createdAt"]

    winner = Offer.objects.create(job=created, agent=agent(PROVIDER_ID), owner_address=chain.provider)
    loser = Offer.objects.create(job=created, agent=agent(POOR_PROVIDER_ID), owner_address=chain.poor_provider)

    chain.fund(job_id)
    index()
    assert (job(job_id).status, job(job_id).escrow_balance) == ("FUNDED", Decimal(BUDGET))

    chain.assign(job_id)
    index()
    assert job(job_id).provider.agent_id == PROVIDER_ID
    lock = StakeLock.objects.get(job__job_id=job_id)
    assert (lock.agent.agent_id, lock.role, lock.amount, lock.active) == (PROVIDER_ID, "PROVIDER", JOB_STAKE, True)
    winner.refresh_from_db()
    loser.refresh_from_db()
    assert (winner.status, loser.status) == ("ACCEPTED", "REJECTED")
    assert agent(PROVIDER_ID).stake_locked == Decimal(JOB_STAKE)

    chain.submit(job_id)
    index()
    submitted = job(job_id)
    assert submitted.status == "SUBMITTED" and submitted.deliverable_hash == DELIVERABLE_HASH.to_0x_hex()
    assert submitted.onchain_submitted_at == chain.job(job_id)["submittedAt"]

    chain.take_evaluation(job_id)
    index()
    assert job(job_id).evaluator.agent_id == EVALUATOR_ID
    assert ProofRequest.objects.get(job__job_id=job_id).state == "NOT_CONFIGURED"

    chain.send(chain.complete_call(job_id), chain.evaluator)
    index()
    done = job(job_id)
    assert (done.status, done.passed, done.escrow_balance) == ("COMPLETED", True, 0)
    assert (done.platform_fee, done.evaluator_fee, done.provider_payment) == (
        Decimal(20 * USDC),
        Decimal(10 * USDC),
        Decimal(970 * USDC),
    )
    assert done.onchain_settled_at == chain.job(job_id)["settledAt"]
    lock.refresh_from_db()
    assert lock.active is False and lock.released_at is not None
    assert agent(PROVIDER_ID).total_jobs == 1 and agent(PROVIDER_ID).completed_jobs == 1
    assert_agents_match_chain(chain)
    assert event_trail(job_id) == [
        ("JobCreated", "OPEN"),
        ("JobFunded", "FUNDED"),
        ("StakeLocked", "FUNDED"),
        ("ProviderSet", "FUNDED"),
        ("JobSubmitted", "SUBMITTED"),
        ("EvaluationStarted", "SUBMITTED"),
        ("StakeReleased", "SUBMITTED"),  # in chain order: ACPCore logs JobCompleted last
        ("ProofRecorded", "SUBMITTED"),
        ("JobCompleted", "COMPLETED"),
    ]
    assert JobEvent.objects.get(job_number=job_id, name="JobFunded").args == {"jobId": "1", "amount": str(BUDGET)}


def test_a_proof_request_waits_for_the_prover_when_one_is_configured(chain, index, settings, evaluating_job):
    settings.PROVER_URL = "http://prover.invalid"
    index()
    assert ProofRequest.objects.get(job__job_id=evaluating_job).state == "PENDING"


def test_a_rejection_refunds_the_client_and_slashes_the_provider(chain, index, evaluating_job):
    chain.send(chain.reject_call(evaluating_job), chain.evaluator)
    index()
    rejected = job(evaluating_job)
    assert (rejected.status, rejected.passed, rejected.escrow_balance) == ("REJECTED", False, 0)
    assert rejected.evaluator_fee == Decimal(10 * USDC)
    assert agent(PROVIDER_ID).stake_available == Decimal(PROVIDER_STAKE_POOL - 10 * USDC)
    assert agent(PROVIDER_ID).stake_locked == 0
    assert StakeLock.objects.get(job=rejected).active is False
    assert_agents_match_chain(chain)


def test_an_overdue_job_expires_on_chain_and_in_the_projection(chain, index, funded_job):
    index()
    assert expire_overdue_jobs(w3=chain.w3, sender=chain.stranger) == []  # not overdue yet
    chain.travel_to(chain.job(funded_job)["deadline"] + 1)
    chain.w3.testing.mine(1)
    assert expire_overdue_jobs(w3=chain.w3, sender=chain.stranger) == [funded_job]
    index()
    expired = job(funded_job)
    assert (expired.status, expired.escrow_balance) == ("EXPIRED", 0)
    assert StakeLock.objects.get(job=expired).active is False
    assert event_trail(funded_job)[-1] == ("JobExpired", "EXPIRED")
    assert_agents_match_chain(chain)


def test_a_dispute_is_opened_and_arbitrated(chain, index, submitted_job):
    chain.send(chain.core.functions.dispute(submitted_job, REASON_HASH), chain.provider)
    index()
    assert job(submitted_job).status == "DISPUTED"
    dispute = Dispute.objects.get(job__job_id=submitted_job)
    assert (dispute.dispute_id, dispute.opener.agent_id, dispute.from_status) == (1, PROVIDER_ID, "SUBMITTED")
    assert dispute.opened_by == chain.provider and dispute.resolved is False

    chain.send(chain.core.functions.arbitrate(1, True), chain.arbiter)
    index()
    settled = job(submitted_job)
    assert (settled.status, settled.passed, settled.escrow_balance) == ("ARBITRATED", True, 0)
    assert (settled.platform_fee, settled.provider_payment) == (Decimal(20 * USDC), Decimal(980 * USDC))
    dispute.refresh_from_db()
    assert dispute.resolved is True and dispute.provider_wins is True
    assert_agents_match_chain(chain)


def test_a_cex_job_keeps_its_terms_and_tee_snapshots(chain, index):
    job_id = chain.create_job(strategy=CEX_CAPITAL, program_hash=b"\0" * 32)
    chain.send(chain.core.functions.setCexConfig(job_id, BUDGET, 1_000, 2_000), chain.client)
    chain.fund(job_id)
    chain.assign(job_id)
    receipt = chain.send(chain.core.functions.reportSnapshot(job_id, 1_050 * USDC, b"\x05" * 40), chain.reporter)
    index()
    cex = job(job_id)
    assert (cex.cex_capital, cex.stop_loss_bps, cex.target_return_bps) == (Decimal(BUDGET), 1_000, 2_000)
    snapshot = Snapshot.objects.get(job=cex)
    assert snapshot.reported_value == Decimal(1_050 * USDC) and snapshot.attestation == "0x" + "05" * 40
    block = chain.w3.eth.get_block(receipt["blockNumber"])
    assert snapshot.snapshot_ts == dt.datetime.fromtimestamp(block["timestamp"], tz=dt.UTC)
    assert snapshot.block_number == receipt["blockNumber"]


def test_indexing_nothing_deployed_is_a_logged_no_op(db, settings, caplog):
    settings.CHAIN_ID = 999_999
    assert index_chain() == {"skipped": "no contracts deployed"}
    assert "No agent-jobs contracts" in caplog.text
