"""The agent-jobs contracts on eth-tester: the seed's job lifecycle as real transactions, the
events an indexer will read, the tokens that really move, and the rules that revert."""

from __future__ import annotations

import json

import pytest
from web3 import Web3

from apps.jobs.chain.artifacts import CONTRACT_NAMES, load_artifact, write_abis
from apps.jobs.chain.deploy import USDC, CoreConfig
from tests.jobs.conftest import (
    ARBITRATED,
    BUDGET,
    CEX_CAPITAL,
    CEX_EVALUATOR_ID,
    CLIENT_FUNDS,
    CLIENT_ID,
    CLIENT_ROLE,
    CLIENT_STAKE,
    COMPLETED,
    DELIVERABLE_HASH,
    DISPUTED,
    EVALUATOR_ID,
    EXPIRED,
    EXTERNAL,
    FUNDED,
    HYBRID,
    NO_EVALUATOR,
    OPEN,
    POOR_PROVIDER_ID,
    POOR_PROVIDER_STAKE_POOL,
    PROGRAM,
    PROGRAM_HASH,
    PROVIDER_ID,
    PROVIDER_ROLE,
    PROVIDER_SCORE,
    PROVIDER_STAKE_POOL,
    REJECTED,
    RUBRIC,
    SUBMITTED,
    TEE_ATTESTATION,
    TEE_REPORT_DATA,
    event,
    events,
    reverts,
)

ZERO = b"\0" * 32
RUBRIC_HASH = Web3.keccak(text="rubric v1")
REASON_HASH = Web3.keccak(text="ipfs://dispute-reason")

PLATFORM_FEE = 20 * USDC  # 2% of BUDGET
EVALUATOR_FEE = 10 * USDC  # 1% of BUDGET
PROVIDER_PAYMENT = BUDGET - PLATFORM_FEE - EVALUATOR_FEE
JOB_STAKE = 100 * USDC
SLASH = 10 * USDC  # 10% of JOB_STAKE
DISPUTE_WINDOW = 3 * 24 * 3600


# ---- the seed flow, end to end ----


def test_the_seed_flow_escrows_the_budget_and_splits_it_on_completion(chain):
    core = chain.core.functions

    deadline = chain.now() + 3600
    receipt = chain.send(core.createJob(CLIENT_ID, BUDGET, deadline, PROGRAM, PROGRAM_HASH, ZERO), chain.client)
    created_at = chain.now()
    created = event(receipt, chain.core, "JobCreated")
    job_id = created["jobId"]
    assert job_id == 1 and core.jobCount().call() == 1
    assert created == {
        "jobId": 1,
        "clientId": CLIENT_ID,
        "budget": BUDGET,
        "deadline": deadline,
        "strategyType": PROGRAM,
        "programHash": PROGRAM_HASH,
        "rubricHash": ZERO,
    }
    job = chain.job(job_id)
    assert job["status"] == OPEN and job["createdAt"] == created_at and job["escrowBalance"] == 0

    chain.send(chain.usdc.functions.approve(chain.core.address, BUDGET), chain.client)
    receipt = chain.send(core.setBudget(job_id, BUDGET), chain.client)
    assert event(receipt, chain.core, "JobFunded") == {"jobId": job_id, "amount": BUDGET}
    assert event(receipt, chain.usdc, "Transfer") == {
        "sender": chain.client,
        "receiver": chain.core.address,
        "value": BUDGET,
    }
    assert chain.balance(chain.client) == CLIENT_FUNDS - BUDGET
    assert chain.balance(chain.core.address) == BUDGET
    assert chain.job(job_id)["status"] == FUNDED and chain.job(job_id)["escrowBalance"] == BUDGET

    receipt = chain.send(core.setProvider(job_id, PROVIDER_ID), chain.client)
    assert event(receipt, chain.core, "ProviderSet") == {"jobId": job_id, "providerId": PROVIDER_ID, "stake": JOB_STAKE}
    assert event(receipt, chain.staking, "StakeLocked") == {
        "agentId": PROVIDER_ID,
        "jobId": job_id,
        "role": PROVIDER_ROLE,
        "amount": JOB_STAKE,
    }
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL - JOB_STAKE, JOB_STAKE)
    assert chain.staking.functions.lockedFor(PROVIDER_ID, job_id, PROVIDER_ROLE).call() == JOB_STAKE

    receipt = chain.send(core.submit(job_id, DELIVERABLE_HASH), chain.provider)
    assert event(receipt, chain.core, "JobSubmitted") == {
        "jobId": job_id,
        "providerId": PROVIDER_ID,
        "deliverableHash": DELIVERABLE_HASH,
    }
    job = chain.job(job_id)
    assert job["status"] == SUBMITTED and job["submittedAt"] == chain.now()
    assert job["deliverableHash"] == DELIVERABLE_HASH

    receipt = chain.send(core.evaluate(job_id, EVALUATOR_ID), chain.evaluator)
    assert event(receipt, chain.core, "EvaluationStarted") == {
        "jobId": job_id,
        "evaluatorId": EVALUATOR_ID,
        "strategyType": PROGRAM,
    }
    assert chain.job(job_id)["status"] == SUBMITTED and chain.job(job_id)["evaluatorId"] == EVALUATOR_ID

    zk_proof, public_inputs = chain.evidence(job_id)
    receipt = chain.send(chain.complete_call(job_id, level=3, on_time=True, bonus=0), chain.evaluator)
    assert event(receipt, chain.core, "JobCompleted") == {
        "jobId": job_id,
        "providerPayment": PROVIDER_PAYMENT,
        "platformFee": PLATFORM_FEE,
        "evaluatorFee": EVALUATOR_FEE,
        "onTime": True,
        "bonusType": 0,
    }
    assert event(receipt, chain.core, "ProofRecorded") == {
        "jobId": job_id,
        "passed": True,
        "verificationLevel": 3,
        "zkProofHash": Web3.keccak(zk_proof),
        "publicInputsHash": Web3.keccak(public_inputs),
        "teeAttestationHash": Web3.keccak(TEE_ATTESTATION),
        "teeReportDataHash": Web3.keccak(TEE_REPORT_DATA),
        "zkProof": zk_proof,
        "publicInputs": public_inputs,
    }
    assert [(t["receiver"], t["value"]) for t in events(receipt, chain.usdc, "Transfer")] == [
        (chain.treasury, PLATFORM_FEE),
        (chain.evaluator, EVALUATOR_FEE),
        (chain.provider, PROVIDER_PAYMENT),
    ]
    assert chain.balance(chain.treasury) == PLATFORM_FEE
    assert chain.balance(chain.evaluator) == EVALUATOR_FEE
    assert chain.balance(chain.provider) == PROVIDER_PAYMENT
    assert chain.balance(chain.core.address) == 0

    assert event(receipt, chain.staking, "StakeReleased") == {
        "agentId": PROVIDER_ID,
        "jobId": job_id,
        "role": PROVIDER_ROLE,
        "amount": JOB_STAKE,
    }
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL, 0)

    # Provider: +1 for completing, +1 for on time; the client's job is counted, its score untouched.
    assert events(receipt, chain.reputation, "ReputationUpdated") == [
        {"agentId": PROVIDER_ID, "score": PROVIDER_SCORE + 2, "totalJobs": 1, "completedJobs": 1},
        {"agentId": CLIENT_ID, "score": 50, "totalJobs": 1, "completedJobs": 0},
    ]
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE + 2, 1, 1)
    assert chain.reputation_of(CLIENT_ID) == (50, 1, 0)

    job = chain.job(job_id)
    assert job["status"] == COMPLETED and job["passed"] is True
    assert (job["platformFee"], job["evaluatorFee"], job["providerPayment"]) == (
        PLATFORM_FEE,
        EVALUATOR_FEE,
        PROVIDER_PAYMENT,
    )
    assert job["escrowBalance"] == 0 and job["settledAt"] == chain.now()


def test_a_delivery_in_the_first_half_of_the_time_earns_the_bigger_bonus(chain, evaluating_job):
    receipt = chain.send(chain.complete_call(evaluating_job, on_time=True, bonus=1), chain.evaluator)
    assert event(receipt, chain.core, "JobCompleted")["bonusType"] == 1
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE + 1 + 1 + 2, 1, 1)


def test_a_late_evaluation_without_bonus_moves_the_score_by_one(chain, evaluating_job):
    chain.send(chain.complete_call(evaluating_job, on_time=False, bonus=0), chain.evaluator)
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE + 1, 1, 1)


def test_a_bonus_is_checked_against_the_submission_time(chain, funded_job):
    created_at = chain.job(funded_job)["createdAt"]
    chain.travel_to(created_at + 2800)  # past 3/4 of the 3600 s the job allows
    chain.submit(funded_job)
    chain.take_evaluation(funded_job)
    for bonus in (1, 2):
        with reverts("ACP: bonus not earned"):
            chain.send(chain.complete_call(funded_job, bonus=bonus), chain.evaluator)
    with reverts("ACP: unknown bonus type"):
        chain.send(chain.complete_call(funded_job, bonus=3), chain.evaluator)
    chain.send(chain.complete_call(funded_job, bonus=0), chain.evaluator)


# ---- rejection ----


def test_rejection_refunds_the_client_less_the_evaluator_fee_and_slashes_the_provider(chain, evaluating_job):
    receipt = chain.send(chain.reject_call(evaluating_job, reason_code=7), chain.evaluator)

    assert event(receipt, chain.core, "JobRejected") == {
        "jobId": evaluating_job,
        "refund": BUDGET - EVALUATOR_FEE,
        "evaluatorFee": EVALUATOR_FEE,
        "slashed": SLASH,
        "onTime": True,
        "reasonCode": 7,
    }
    assert event(receipt, chain.core, "ProofRecorded")["passed"] is False
    assert event(receipt, chain.staking, "StakeSlashed") == {
        "agentId": PROVIDER_ID,
        "jobId": evaluating_job,
        "role": PROVIDER_ROLE,
        "amount": SLASH,
        "receiver": chain.client,
    }
    assert event(receipt, chain.staking, "StakeReleased")["amount"] == JOB_STAKE - SLASH

    assert chain.balance(chain.client) == CLIENT_FUNDS - EVALUATOR_FEE + SLASH
    assert chain.balance(chain.evaluator) == EVALUATOR_FEE
    assert chain.balance(chain.treasury) == 0
    assert chain.balance(chain.core.address) == 0
    assert chain.balance(chain.staking.address) == CLIENT_STAKE + PROVIDER_STAKE_POOL - SLASH + POOR_PROVIDER_STAKE_POOL
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL - SLASH, 0)

    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE - 5, 1, 0)
    assert chain.reputation_of(CLIENT_ID) == (50, 1, 0)
    job = chain.job(evaluating_job)
    assert job["status"] == REJECTED and job["passed"] is False
    assert (job["platformFee"], job["evaluatorFee"], job["providerPayment"]) == (0, EVALUATOR_FEE, 0)


# ---- expiry ----


def test_anyone_can_expire_a_funded_job_after_its_deadline(chain, funded_job):
    chain.travel_to(chain.job(funded_job)["deadline"] + 1)
    receipt = chain.send(chain.core.functions.expire(funded_job), chain.stranger)

    assert event(receipt, chain.core, "JobExpired") == {"jobId": funded_job, "refund": BUDGET}
    assert event(receipt, chain.staking, "StakeReleased")["amount"] == JOB_STAKE
    assert chain.balance(chain.client) == CLIENT_FUNDS
    assert chain.balance(chain.core.address) == 0
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL, 0)
    assert chain.job(funded_job)["status"] == EXPIRED


def test_an_unfunded_job_expires_with_nothing_to_refund(chain):
    job_id = chain.create_job()
    chain.travel_to(chain.job(job_id)["deadline"] + 1)
    receipt = chain.send(chain.core.functions.expire(job_id), chain.stranger)
    assert event(receipt, chain.core, "JobExpired") == {"jobId": job_id, "refund": 0}
    assert events(receipt, chain.staking, "StakeReleased") == []


def test_a_job_cannot_expire_before_its_deadline_or_once_submitted(chain, funded_job):
    with reverts("ACP: deadline not reached"):
        chain.send(chain.core.functions.expire(funded_job), chain.stranger)
    chain.submit(funded_job)
    chain.travel_to(chain.job(funded_job)["deadline"] + 1)
    with reverts("ACP: job is not OPEN or FUNDED"):
        chain.send(chain.core.functions.expire(funded_job), chain.stranger)


# ---- disputes ----


def test_a_stalled_evaluation_goes_to_the_arbiter_who_can_pay_the_provider(chain, submitted_job):
    receipt = chain.send(chain.core.functions.dispute(submitted_job, REASON_HASH), chain.provider)
    assert event(receipt, chain.core, "DisputeOpened") == {
        "disputeId": 1,
        "jobId": submitted_job,
        "openerId": PROVIDER_ID,
        "openedBy": chain.provider,
        "fromStatus": SUBMITTED,
        "reasonHash": REASON_HASH,
        "collateral": 0,
    }
    assert chain.job(submitted_job)["status"] == DISPUTED and chain.job(submitted_job)["disputeId"] == 1

    receipt = chain.send(chain.core.functions.arbitrate(1, True), chain.arbiter)
    # No evaluator settled the job, so no evaluator fee.
    assert event(receipt, chain.core, "DisputeResolved") == {
        "disputeId": 1,
        "jobId": submitted_job,
        "providerWins": True,
        "providerPayment": BUDGET - PLATFORM_FEE,
        "platformFee": PLATFORM_FEE,
        "refund": 0,
        "stakePaid": 0,
    }
    assert chain.balance(chain.provider) == BUDGET - PLATFORM_FEE
    assert chain.balance(chain.treasury) == PLATFORM_FEE
    assert chain.balance(chain.core.address) == 0
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL, 0)
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE + 1, 1, 1)
    job = chain.job(submitted_job)
    assert job["status"] == ARBITRATED and job["passed"] is True
    assert chain.dispute(1)["resolved"] is True and chain.dispute(1)["providerWins"] is True


def test_a_client_winning_a_dispute_over_a_submission_is_refunded_and_paid_the_slash(chain, evaluating_job):
    chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.client)
    receipt = chain.send(chain.core.functions.arbitrate(1, False), chain.arbiter)

    assert event(receipt, chain.core, "DisputeResolved") == {
        "disputeId": 1,
        "jobId": evaluating_job,
        "providerWins": False,
        "providerPayment": 0,
        "platformFee": 0,
        "refund": BUDGET,
        "stakePaid": SLASH,
    }
    assert chain.balance(chain.client) == CLIENT_FUNDS + SLASH
    assert chain.balance(chain.evaluator) == 0
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL - SLASH, 0)
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE - 5, 1, 0)
    assert chain.job(evaluating_job)["status"] == ARBITRATED


def test_a_disputed_completion_locks_the_provider_stake_and_pays_it_to_a_winning_client(chain, evaluating_job):
    chain.send(chain.complete_call(evaluating_job), chain.evaluator)
    receipt = chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.client)

    # Collateral: the provider's whole available stake, as it is below the budget.
    assert event(receipt, chain.core, "DisputeOpened")["collateral"] == PROVIDER_STAKE_POOL
    assert event(receipt, chain.staking, "StakeLocked") == {
        "agentId": PROVIDER_ID,
        "jobId": evaluating_job,
        "role": PROVIDER_ROLE,
        "amount": PROVIDER_STAKE_POOL,
    }
    with reverts("Staking: insufficient available stake"):
        chain.send(chain.staking.functions.withdraw(PROVIDER_ID, 1), chain.provider)

    receipt = chain.send(chain.core.functions.arbitrate(1, False), chain.arbiter)
    assert event(receipt, chain.core, "DisputeResolved")["stakePaid"] == PROVIDER_STAKE_POOL
    assert event(receipt, chain.staking, "StakeSlashed")["receiver"] == chain.client
    assert event(receipt, chain.staking, "StakeReleased")["amount"] == 0
    assert chain.balance(chain.client) == CLIENT_FUNDS - BUDGET + PROVIDER_STAKE_POOL
    assert chain.stake(PROVIDER_ID) == (0, 0)
    # The completion's +2 stays counted; the lost arbitration costs 5.
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE + 2 - 5, 1, 1)


def test_a_completion_upheld_by_the_arbiter_releases_the_provider_collateral(chain, evaluating_job):
    chain.send(chain.complete_call(evaluating_job), chain.evaluator)
    chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.client)
    receipt = chain.send(chain.core.functions.arbitrate(1, True), chain.arbiter)

    assert event(receipt, chain.staking, "StakeReleased")["amount"] == PROVIDER_STAKE_POOL
    assert events(receipt, chain.usdc, "Transfer") == []
    assert chain.stake(PROVIDER_ID) == (PROVIDER_STAKE_POOL, 0)
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE + 2, 1, 1)


def test_a_provider_overturning_a_rejection_is_paid_from_the_client_stake(chain, evaluating_job):
    chain.send(chain.reject_call(evaluating_job), chain.evaluator)
    receipt = chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.provider)
    assert event(receipt, chain.core, "DisputeOpened")["collateral"] == CLIENT_STAKE
    assert event(receipt, chain.staking, "StakeLocked")["role"] == CLIENT_ROLE

    provider_before = chain.balance(chain.provider)
    receipt = chain.send(chain.core.functions.arbitrate(1, True), chain.arbiter)
    assert event(receipt, chain.core, "DisputeResolved")["stakePaid"] == CLIENT_STAKE
    assert chain.balance(chain.provider) == provider_before + CLIENT_STAKE
    assert chain.stake(CLIENT_ID) == (0, 0)
    # The rejection's -5 is undone.
    assert chain.reputation_of(PROVIDER_ID) == (PROVIDER_SCORE, 1, 0)


def test_only_a_party_on_the_losing_side_can_dispute(chain, evaluating_job):
    with reverts("ACP: empty reason hash"):
        chain.send(chain.core.functions.dispute(evaluating_job, ZERO), chain.client)
    with reverts("ACP: not the client or provider owner"):
        chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.stranger)
    chain.send(chain.complete_call(evaluating_job), chain.evaluator)
    with reverts("ACP: only the client disputes a completion"):
        chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.provider)

    job_id = chain.create_job()
    chain.fund(job_id)
    chain.assign(job_id)
    chain.submit(job_id)
    chain.take_evaluation(job_id)
    chain.send(chain.reject_call(job_id), chain.evaluator)
    with reverts("ACP: only the provider disputes a rejection"):
        chain.send(chain.core.functions.dispute(job_id, REASON_HASH), chain.client)


def test_a_settled_job_can_only_be_disputed_within_the_window(chain, evaluating_job):
    chain.send(chain.reject_call(evaluating_job), chain.evaluator)
    chain.travel_to(chain.job(evaluating_job)["settledAt"] + DISPUTE_WINDOW + 1)
    with reverts("ACP: dispute window closed"):
        chain.send(chain.core.functions.dispute(evaluating_job, REASON_HASH), chain.provider)


def test_a_job_is_disputed_and_arbitrated_once(chain, funded_job):
    with reverts("ACP: job is not SUBMITTED, COMPLETED or REJECTED"):
        chain.send(chain.core.functions.dispute(funded_job, REASON_HASH), chain.client)
    chain.submit(funded_job)
    chain.send(chain.core.functions.dispute(funded_job, REASON_HASH), chain.client)
    with reverts("ACP: job is not SUBMITTED, COMPLETED or REJECTED"):
        chain.send(chain.core.functions.dispute(funded_job, REASON_HASH), chain.provider)

    with reverts("ACP: not the arbiter"):
        chain.send(chain.core.functions.arbitrate(1, True), chain.client)
    with reverts("ACP: unknown dispute"):
        chain.send(chain.core.functions.arbitrate(2, True), chain.arbiter)
    chain.send(chain.core.functions.arbitrate(1, True), chain.arbiter)
    with reverts("ACP: dispute already resolved"):
        chain.send(chain.core.functions.arbitrate(1, False), chain.arbiter)


# ---- CEX_CAPITAL jobs ----


def test_a_cex_job_takes_its_trading_terms_and_tee_snapshots(chain):
    job_id = chain.create_job(strategy=CEX_CAPITAL, program_hash=ZERO)
    receipt = chain.send(chain.core.functions.setCexConfig(job_id, BUDGET, 1_000, 2_000), chain.client)
    assert event(receipt, chain.core, "CexConfigSet") == {
        "jobId": job_id,
        "capital": BUDGET,
        "stopLossBps": 1_000,
        "targetReturnBps": 2_000,
    }
    job = chain.job(job_id)
    assert (job["cexCapital"], job["stopLossBps"], job["targetReturnBps"]) == (BUDGET, 1_000, 2_000)

    with reverts("ACP: job is not FUNDED or SUBMITTED"):
        chain.send(chain.core.functions.reportSnapshot(job_id, 1, b"quote"), chain.reporter)
    chain.fund(job_id)
    chain.assign(job_id)
    with reverts("ACP: job is not OPEN"):
        chain.send(chain.core.functions.setCexConfig(job_id, BUDGET, 500, 2_000), chain.client)

    attestation = b"\x05" * 4000
    receipt = chain.send(chain.core.functions.reportSnapshot(job_id, 1_050 * USDC, attestation), chain.reporter)
    assert event(receipt, chain.core, "SnapshotReported") == {
        "jobId": job_id,
        "reportedValue": 1_050 * USDC,
        "attestation": attestation,
    }
    with reverts("ACP: not the reporter"):
        chain.send(chain.core.functions.reportSnapshot(job_id, 1, attestation), chain.client)

    chain.submit(job_id)
    with reverts("ACP: evaluator cannot evaluate this strategy type"):
        chain.take_evaluation(job_id, EVALUATOR_ID)
    receipt = chain.take_evaluation(job_id, CEX_EVALUATOR_ID)
    assert event(receipt, chain.core, "EvaluationStarted")["strategyType"] == CEX_CAPITAL


def test_cex_terms_and_snapshots_are_only_for_cex_jobs(chain, funded_job):
    with reverts("ACP: not a CEX_CAPITAL job"):
        chain.send(chain.core.functions.setCexConfig(funded_job, BUDGET, 1_000, 2_000), chain.client)
    with reverts("ACP: not a CEX_CAPITAL job"):
        chain.send(chain.core.functions.reportSnapshot(funded_job, 1, b"quote"), chain.reporter)


# ---- the rules of each step ----


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"budget": 0}, "ACP: zero budget"),
        ({"lasts": 0}, "ACP: deadline in the past"),
        ({"strategy": 4}, "ACP: unknown strategy type"),
        ({"program_hash": ZERO}, "ACP: program hash required"),
        ({"rubric_hash": RUBRIC_HASH}, "ACP: rubric hash must be zero for this strategy"),
        ({"strategy": RUBRIC}, "ACP: program hash must be zero for this strategy"),
        ({"strategy": RUBRIC, "program_hash": ZERO}, "ACP: rubric hash required"),
        ({"strategy": HYBRID}, "ACP: rubric hash required"),
        ({"strategy": CEX_CAPITAL}, "ACP: program hash must be zero for this strategy"),
    ],
)
def test_create_job_checks_its_terms(chain, overrides, reason):
    with reverts(reason):
        chain.create_job(**overrides)


def test_each_strategy_takes_its_own_hashes(chain):
    assert chain.create_job(strategy=RUBRIC, program_hash=ZERO, rubric_hash=RUBRIC_HASH) == 1
    assert chain.create_job(strategy=HYBRID, rubric_hash=RUBRIC_HASH) == 2
    assert chain.create_job(strategy=CEX_CAPITAL, program_hash=ZERO) == 3


def test_only_the_client_owner_creates_funds_and_assigns(chain):
    deadline = chain.now() + 3600
    with reverts("ACP: not the client owner"):
        chain.send(chain.core.functions.createJob(CLIENT_ID, BUDGET, deadline, 0, PROGRAM_HASH, ZERO), chain.provider)
    job_id = chain.create_job()
    with reverts("ACP: not the client owner"):
        chain.send(chain.core.functions.setBudget(job_id, BUDGET), chain.provider)
    with reverts("ACP: not the client owner"):
        chain.send(chain.core.functions.setProvider(job_id, PROVIDER_ID), chain.provider)


def test_funding_needs_an_allowance_and_happens_once(chain):
    job_id = chain.create_job()
    with reverts("USDC: insufficient allowance"):
        chain.send(chain.core.functions.setBudget(job_id, BUDGET), chain.client)
    chain.fund(job_id)
    with reverts("ACP: job is not OPEN"):
        chain.fund(job_id)


def test_the_funded_amount_becomes_the_budget(chain):
    job_id = chain.create_job()
    chain.fund(job_id, 400 * USDC)
    job = chain.job(job_id)
    assert (job["budget"], job["escrowBalance"]) == (400 * USDC, 400 * USDC)
    assert chain.balance(chain.core.address) == 400 * USDC


def test_a_job_past_its_deadline_cannot_be_funded_or_assigned(chain):
    job_id = chain.create_job()
    chain.travel_to(chain.job(job_id)["deadline"] + 1)
    with reverts("ACP: past deadline"):
        chain.fund(job_id)
    with reverts("ACP: past deadline"):
        chain.assign(job_id)


def test_a_submission_after_the_deadline_is_refused(chain, funded_job):
    chain.travel_to(chain.job(funded_job)["deadline"] + 1)
    with reverts("ACP: past deadline"):
        chain.submit(funded_job)


def test_a_provider_needs_enough_free_stake(chain):
    job_id = chain.create_job()
    with reverts("Staking: insufficient stake"):
        chain.assign(job_id, POOR_PROVIDER_ID)


def test_a_provider_is_assigned_once_and_is_not_the_client(chain):
    job_id = chain.create_job()
    with reverts("ACP: provider cannot be the client"):
        chain.assign(job_id, CLIENT_ID)
    with reverts("Registry: agent does not exist"):
        chain.assign(job_id, 99)
    chain.assign(job_id)  # while OPEN: allowed before funding
    with reverts("ACP: provider already set"):
        chain.assign(job_id, POOR_PROVIDER_ID)


def test_only_the_provider_owner_submits_a_funded_job(chain):
    job_id = chain.create_job()
    with reverts("ACP: no provider assigned"):
        chain.submit(job_id)
    chain.assign(job_id)
    with reverts("ACP: job is not FUNDED"):
        chain.submit(job_id)
    chain.fund(job_id)
    with reverts("ACP: not the provider owner"):
        chain.send(chain.core.functions.submit(job_id, DELIVERABLE_HASH), chain.client)
    with reverts("ACP: empty deliverable hash"):
        chain.send(chain.core.functions.submit(job_id, ZERO), chain.provider)
    chain.submit(job_id)
    with reverts("ACP: job is not FUNDED"):
        chain.submit(job_id)


def test_an_evaluator_must_be_able_to_judge_the_strategy_and_not_be_a_party(chain, funded_job):
    with reverts("ACP: job is not SUBMITTED"):
        chain.take_evaluation(funded_job)
    chain.submit(funded_job)
    with reverts("ACP: not the evaluator owner"):
        chain.send(chain.core.functions.evaluate(funded_job, EVALUATOR_ID), chain.provider)
    with reverts("ACP: evaluator cannot evaluate this strategy type"):
        chain.take_evaluation(funded_job, POOR_PROVIDER_ID)  # registered without capability
    with reverts("ACP: evaluator cannot evaluate this strategy type"):
        chain.take_evaluation(funded_job, CEX_EVALUATOR_ID)
    with reverts("ACP: evaluator is a party to the job"):
        chain.take_evaluation(funded_job, PROVIDER_ID)
    chain.take_evaluation(funded_job)
    with reverts("ACP: evaluator already set"):
        chain.take_evaluation(funded_job)


def test_only_the_evaluator_owner_settles_with_evidence(chain, submitted_job):
    with reverts("ACP: no evaluator"):
        chain.send(chain.complete_call(submitted_job), chain.evaluator)
    chain.take_evaluation(submitted_job)
    with reverts("ACP: not the evaluator owner"):
        chain.send(chain.complete_call(submitted_job), chain.client)
    with reverts("ACP: not the evaluator owner"):
        chain.send(chain.reject_call(submitted_job), chain.provider)
    with reverts("ACP: unknown verification level"):
        chain.send(chain.complete_call(submitted_job, level=4), chain.evaluator)
    with reverts("ACP: missing zk proof"):
        chain.send(chain.reject_call(submitted_job, zk_proof=b""), chain.evaluator)
    chain.send(chain.complete_call(submitted_job), chain.evaluator)
    with reverts("ACP: job is not SUBMITTED"):
        chain.send(chain.reject_call(submitted_job), chain.evaluator)


def test_an_unknown_job_is_refused(chain):
    with reverts("ACP: unknown job"):
        chain.core.functions.getJob(1).call()
    with reverts("ACP: unknown job"):
        chain.send(chain.core.functions.expire(0), chain.stranger)


# ---- registry, staking, reputation, token ----


def test_registering_an_agent_mints_its_nft(chain):
    registry = chain.registry.functions
    receipt = chain.send(registry.registerAgent(chain.stranger, "Scout", EXTERNAL, RUBRIC), chain.client)
    assert event(receipt, chain.registry, "AgentRegistered") == {
        "agentId": 6,
        "owner": chain.stranger,
        "name": "Scout",
        "source": EXTERNAL,
        "evaluatorStrategyType": RUBRIC,
    }
    assert event(receipt, chain.registry, "Transfer") == {
        "sender": "0x" + "0" * 40,
        "receiver": chain.stranger,
        "tokenId": 6,
    }
    assert registry.ownerOf(6).call() == chain.stranger
    assert registry.balanceOf(chain.stranger).call() == 1
    assert (registry.agentName(6).call(), registry.agentSource(6).call()) == ("Scout", EXTERNAL)
    assert registry.evaluatorStrategyType(6).call() == RUBRIC
    assert registry.agentCount().call() == 6
    assert registry.supportsInterface(bytes.fromhex("80ac58cd")).call() is True


@pytest.mark.parametrize(
    ("name", "source", "capability", "reason"),
    [
        ("", 0, NO_EVALUATOR, "Registry: empty name"),
        ("Bad", 2, NO_EVALUATOR, "Registry: unknown source"),
        ("Bad", 0, 4, "Registry: unknown evaluator strategy type"),
    ],
)
def test_registration_checks_its_fields(chain, name, source, capability, reason):
    with reverts(reason):
        chain.send(chain.registry.functions.registerAgent(chain.client, name, source, capability), chain.client)


def test_whoever_holds_the_agent_nft_controls_its_stake(chain):
    registry = chain.registry.functions
    with reverts("Registry: not owner nor approved"):
        chain.send(registry.transferFrom(chain.provider, chain.stranger, PROVIDER_ID), chain.stranger)
    chain.send(registry.approve(chain.stranger, PROVIDER_ID), chain.provider)
    chain.send(registry.transferFrom(chain.provider, chain.stranger, PROVIDER_ID), chain.stranger)
    assert registry.ownerOf(PROVIDER_ID).call() == chain.stranger

    with reverts("Staking: not the agent owner"):
        chain.send(chain.staking.functions.withdraw(PROVIDER_ID, USDC), chain.provider)
    receipt = chain.send(chain.staking.functions.withdraw(PROVIDER_ID, USDC), chain.stranger)
    assert event(receipt, chain.staking, "Withdrawn") == {
        "agentId": PROVIDER_ID,
        "receiver": chain.stranger,
        "amount": USDC,
    }
    assert chain.balance(chain.stranger) == USDC


def test_staking_moves_tokens_and_only_free_stake_is_withdrawn(chain, funded_job):
    chain.send(chain.usdc.functions.mint(chain.provider, 25 * USDC), chain.stranger)
    chain.send(chain.usdc.functions.approve(chain.staking.address, 25 * USDC), chain.provider)
    receipt = chain.send(chain.staking.functions.stake(PROVIDER_ID, 25 * USDC), chain.provider)
    assert event(receipt, chain.staking, "Staked") == {
        "agentId": PROVIDER_ID,
        "staker": chain.provider,
        "amount": 25 * USDC,
    }
    free = PROVIDER_STAKE_POOL + 25 * USDC - JOB_STAKE
    assert chain.stake(PROVIDER_ID) == (free, JOB_STAKE)
    with reverts("Staking: insufficient available stake"):
        chain.send(chain.staking.functions.withdraw(PROVIDER_ID, free + 1), chain.provider)
    chain.send(chain.staking.functions.withdraw(PROVIDER_ID, free), chain.provider)
    assert chain.stake(PROVIDER_ID) == (0, JOB_STAKE)
    assert chain.balance(chain.provider) == free


def test_only_acpcore_locks_releases_and_slashes_stake(chain):
    staking = chain.staking.functions
    with reverts("Staking: caller is not ACPCore"):
        chain.send(staking.lock(PROVIDER_ID, 1, PROVIDER_ROLE, USDC), chain.provider)
    with reverts("Staking: caller is not ACPCore"):
        chain.send(staking.release(PROVIDER_ID, 1, PROVIDER_ROLE), chain.deployer)
    with reverts("Staking: caller is not ACPCore"):
        chain.send(staking.slash(PROVIDER_ID, 1, PROVIDER_ROLE, USDC, chain.client), chain.client)
    with reverts("Staking: core already set"):
        chain.send(staking.setCore(chain.stranger), chain.deployer)


def test_reputation_starts_at_the_default_and_only_the_admin_seeds_it(chain):
    reputation = chain.reputation.functions
    assert chain.reputation_of(EVALUATOR_ID) == (50, 0, 0)
    with reverts("Reputation: not the admin"):
        chain.send(reputation.setScore(EVALUATOR_ID, 90), chain.evaluator)
    with reverts("Reputation: score above 100"):
        chain.send(reputation.setScore(EVALUATOR_ID, 101), chain.deployer)
    receipt = chain.send(reputation.setScore(EVALUATOR_ID, 90), chain.deployer)
    assert event(receipt, chain.reputation, "ReputationUpdated") == {
        "agentId": EVALUATOR_ID,
        "score": 90,
        "totalJobs": 0,
        "completedJobs": 0,
    }
    with reverts("Reputation: caller is not ACPCore"):
        chain.send(reputation.recordJob(EVALUATOR_ID, 5, True), chain.deployer)


def test_mock_usdc_is_a_six_decimal_erc20_anyone_can_mint(chain):
    usdc = chain.usdc.functions
    assert (usdc.name().call(), usdc.symbol().call(), usdc.decimals().call()) == ("Mock USDC", "USDC", 6)
    receipt = chain.send(usdc.mint(chain.stranger, 5 * USDC), chain.stranger)
    assert event(receipt, chain.usdc, "Transfer") == {
        "sender": "0x" + "0" * 40,
        "receiver": chain.stranger,
        "value": 5 * USDC,
    }
    with reverts("USDC: insufficient balance"):
        chain.send(usdc.transfer(chain.client, 6 * USDC), chain.stranger)
    with reverts("USDC: insufficient allowance"):
        chain.send(usdc.transferFrom(chain.stranger, chain.client, 1), chain.client)


# ---- deployment and artifacts ----


def test_deployment_wires_acpcore_with_the_configured_economics(chain):
    config = CoreConfig()
    core = chain.core.functions
    assert chain.staking.functions.core().call() == chain.core.address
    assert chain.reputation.functions.core().call() == chain.core.address
    assert (core.usdc().call(), core.registry().call()) == (chain.usdc.address, chain.registry.address)
    assert (core.treasury().call(), core.arbiter().call(), core.reporter().call()) == (
        chain.treasury,
        chain.arbiter,
        chain.reporter,
    )
    assert core.platformFeeBps().call() == config.platform_fee_bps == 200
    assert core.evaluatorFeeBps().call() == config.evaluator_fee_bps == 100
    assert core.providerStake().call() == config.provider_stake == JOB_STAKE
    assert core.slashBps().call() == config.slash_bps == 1_000
    assert core.disputeWindow().call() == config.dispute_window == DISPUTE_WINDOW
    assert chain.reputation.functions.defaultScore().call() == config.default_score == 50


def test_abis_are_written_on_demand_and_compiled_once(tmp_path):
    written = write_abis(tmp_path / "abi")
    assert sorted(path.name for path in written) == sorted(f"{name}.json" for name in CONTRACT_NAMES)
    core_abi = json.loads((tmp_path / "abi" / "ACPCore.json").read_text())
    assert {"createJob", "complete", "JobCompleted"} <= {item.get("name") for item in core_abi}
    assert load_artifact("ACPCore") is load_artifact("ACPCore")
