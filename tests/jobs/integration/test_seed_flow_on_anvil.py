"""Seed 001's client, provider and evaluator flows as real transactions on an anvil node, with the
follower indexing after every step and GET /api/v1/jobs/{id} checked against seed 002."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.management import call_command
from eth_account.messages import encode_defunct
from web3 import Web3

from apps.core.wallet_auth import wallet_message
from apps.jobs.chain.artifacts import contract_at
from apps.jobs.chain.demo import seed_demo_chain
from apps.jobs.selectors import deployed_contracts
from tests.jobs.integration.conftest import (
    ANVIL_CHAIN_ID,
    BUDGET,
    CLIENT_ID,
    DELIVERABLE_HASH,
    EVALUATOR_ID,
    LASTS,
    PROVIDER_ID,
    Anvil,
    wallet,
)

pytestmark = [pytest.mark.server, pytest.mark.django_db]

PROVIDER_WALLET = 2  # anvil's account index of the provider agent's owner


def job_of(api, job_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/jobs/{job_id}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def ref(receipt: Any) -> dict[str, str]:
    return {"txHash": receipt["transactionHash"].to_0x_hex(), "blockNumber": str(receipt["blockNumber"])}


def make_offer(api, job_id: int, *, account_index: int = PROVIDER_WALLET, agent_id: int = PROVIDER_ID):
    account = wallet(account_index)
    timestamp = int(time.time() * 1000)
    message = wallet_message(scope="offers", job_id=str(job_id), timestamp_ms=timestamp)
    signature = account.sign_message(encode_defunct(text=message)).signature.hex()
    return api.post(
        f"/api/v1/jobs/{job_id}/offers",
        {"agentId": str(agent_id), "ownerAddress": account.address},
        format="json",
        HTTP_X_WALLET_ADDRESS=account.address,
        HTTP_X_WALLET_SIGNATURE="0x" + signature.removeprefix("0x"),
        HTTP_X_WALLET_TIMESTAMP=str(timestamp),
    )


def test_the_keys_derived_from_the_mnemonic_are_anvils_accounts(anvil: Anvil):
    assert [wallet(i).address for i in range(10)] == anvil.w3.eth.accounts[:10]


def test_it_follows_a_job_from_creation_to_completion(anvil: Anvil, index, api):
    job_id, created = anvil.create_job()
    index()
    data = job_of(api, job_id)
    assert data["jobId"] == str(job_id)
    assert data["status"] == "OPEN"
    assert data["strategyType"] == "PROGRAM"
    assert data["clientId"] == str(CLIENT_ID)
    assert data["providerId"] is None
    assert data["evaluatorId"] is None
    assert data["escrowBalance"] == "0"
    assert data["onchainCreatedAt"] == str(anvil.timestamp_of(created))
    assert data["onchainDeadline"] == str(anvil.job(job_id)["deadline"])
    assert int(data["onchainDeadline"]) == int(data["onchainCreatedAt"]) + LASTS
    assert data["onchainSubmittedAt"] is None
    assert data["onchainSettledAt"] is None
    assert data["client"]["ownerAddress"] == anvil.client
    assert data["lifecycle"] == {"created": ref(created), "submitted": None, "settled": None, "disputed": None}

    funded = anvil.fund(job_id)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "FUNDED"
    assert data["budget"] == data["escrowBalance"] == str(BUDGET)

    # The provider offers over HTTP, signing with its anvil account; the server asks the node
    # who holds agent 2.
    response = make_offer(api, job_id)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["status"] == "PENDING"
    assert [offer["status"] for offer in job_of(api, job_id)["offers"]] == ["PENDING"]

    anvil.assign(job_id)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "FUNDED"
    assert data["providerId"] == str(PROVIDER_ID)
    assert data["provider"]["ownerAddress"] == anvil.provider
    assert [(offer["agentId"], offer["status"]) for offer in data["offers"]] == [(str(PROVIDER_ID), "ACCEPTED")]
    assert [(lock["agentId"], lock["role"], lock["active"]) for lock in data["stakeLocks"]] == [
        (str(PROVIDER_ID), "PROVIDER", True)
    ]

    submitted = anvil.submit(job_id)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "SUBMITTED"
    assert data["deliverableHash"] == DELIVERABLE_HASH.to_0x_hex()
    assert data["onchainSubmittedAt"] == str(anvil.timestamp_of(submitted))
    assert data["lifecycle"]["submitted"] == ref(submitted)

    anvil.take_evaluation(job_id)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "SUBMITTED"
    assert data["evaluatorId"] == str(EVALUATOR_ID)
    assert data["evaluator"]["evaluatorCapability"] == {"strategyType": "PROGRAM"}

    completed = anvil.complete(job_id)
    index()
    data = job_of(api, job_id)
    settled = anvil.event(completed, "JobCompleted")
    onchain = anvil.job(job_id)
    assert data["status"] == "COMPLETED"
    assert data["passed"] is True
    assert data["escrowBalance"] == "0"
    assert data["platformFee"] == str(BUDGET * 200 // 10_000) == str(onchain["platformFee"])
    assert data["evaluatorFee"] == str(BUDGET * 100 // 10_000) == str(onchain["evaluatorFee"])
    assert data["providerPayment"] == str(settled["providerPayment"])
    assert int(data["providerPayment"]) == BUDGET - int(data["platformFee"]) - int(data["evaluatorFee"])
    assert data["onchainSettledAt"] == str(anvil.timestamp_of(completed))
    assert data["lifecycle"] == {
        "created": ref(created),
        "submitted": ref(submitted),
        "settled": ref(completed),
        "disputed": None,
    }
    assert data["stakeLocks"][0]["active"] is False
    assert funded["blockNumber"] < completed["blockNumber"]


def test_it_follows_a_rejection(anvil: Anvil, index, api):
    job_id, _ = anvil.create_job()
    anvil.fund(job_id)
    anvil.assign(job_id)
    anvil.submit(job_id)
    anvil.take_evaluation(job_id)
    index()
    assert job_of(api, job_id)["status"] == "SUBMITTED"

    rejected = anvil.reject(job_id)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "REJECTED"
    assert data["passed"] is False
    assert data["escrowBalance"] == "0"
    assert data["evaluatorFee"] == str(BUDGET * 100 // 10_000)
    assert data["onchainSettledAt"] == str(anvil.timestamp_of(rejected))
    assert data["lifecycle"]["settled"] == ref(rejected)
    assert data["provider"]["stakingPool"]["locked"] == "0"


def test_a_funded_job_expires_after_its_deadline(anvil: Anvil, index, api):
    job_id, _ = anvil.create_job()
    anvil.fund(job_id)
    anvil.assign(job_id)
    anvil.rpc("evm_increaseTime", LASTS + 1)
    anvil.rpc("evm_mine")
    expired = anvil.send(anvil.core.functions.expire(job_id), anvil.stranger)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "EXPIRED"
    assert data["escrowBalance"] == "0"
    assert int(data["onchainSettledAt"]) == anvil.timestamp_of(expired) > int(data["onchainDeadline"])
    assert data["lifecycle"]["settled"] == ref(expired)


def test_a_dispute_over_a_submission_is_arbitrated(anvil: Anvil, index, api):
    job_id, _ = anvil.create_job()
    anvil.fund(job_id)
    anvil.assign(job_id)
    anvil.submit(job_id)
    disputed = anvil.send(anvil.core.functions.dispute(job_id, Web3.keccak(text="no evaluator came")), anvil.client)
    dispute_id = anvil.event(disputed, "DisputeOpened")["disputeId"]
    index()
    data = job_of(api, job_id)
    assert data["status"] == "DISPUTED"
    assert data["lifecycle"]["disputed"] == ref(disputed)
    dispute = data["dispute"]
    assert (dispute["disputeId"], dispute["status"], dispute["fromStatus"]) == (str(dispute_id), "OPEN", "SUBMITTED")
    assert dispute["openerId"] == str(CLIENT_ID)

    arbitrated = anvil.send(anvil.core.functions.arbitrate(dispute_id, True), anvil.arbiter)
    index()
    data = job_of(api, job_id)
    assert data["status"] == "ARBITRATED"
    assert (data["dispute"]["status"], data["dispute"]["providerWins"]) == ("RESOLVED", True)
    assert data["escrowBalance"] == "0"
    assert data["lifecycle"]["settled"] == ref(arbitrated)


def test_a_reorg_replaces_the_abandoned_branch(anvil: Anvil, index, api):
    job_id, _ = anvil.create_job()
    index()
    fork = anvil.rpc("evm_snapshot")
    anvil.fund(job_id)
    anvil.assign(job_id)
    index()
    assert job_of(api, job_id)["providerId"] == str(PROVIDER_ID)

    # The other branch: a smaller budget and no provider, mined past the old branch's height.
    assert anvil.rpc("evm_revert", fork) is True
    anvil.fund(job_id, budget=BUDGET // 2)
    for _ in range(3):
        anvil.rpc("evm_mine")
    index()
    data = job_of(api, job_id)
    assert data["status"] == "FUNDED"
    assert data["escrowBalance"] == str(BUDGET // 2)
    assert data["providerId"] is None
    assert data["stakeLocks"] == []
    events = api.get(f"/api/v1/jobs/{job_id}/events").json()["data"]
    assert [event["name"] for event in events] == ["JobCreated", "JobFunded"]


def test_a_funding_that_differs_from_the_posted_budget_becomes_the_budget(anvil: Anvil, index, api):
    job_id, _ = anvil.create_job()
    anvil.fund(job_id, budget=BUDGET // 2)
    index()
    assert anvil.job(job_id)["budget"] == BUDGET // 2
    assert job_of(api, job_id)["budget"] == str(BUDGET // 2)


def test_the_demo_seed_leaves_jobs_in_five_states_and_runs_once(deployed, settings, index, api):
    settings.DEBUG = True
    call_command("seed_chain_demo", stdout=io.StringIO())
    call_command("seed_chain_demo", stdout=io.StringIO())  # the agents are there: nothing is sent twice
    index()
    response = api.get("/api/v1/jobs?limit=50")
    assert response.status_code == 200, response.content
    jobs = {job["jobId"]: job["status"] for job in response.json()["data"]}
    assert jobs == {"1": "OPEN", "2": "FUNDED", "3": "SUBMITTED", "4": "SUBMITTED", "5": "COMPLETED"}
    completed = api.get("/api/v1/jobs/5").json()["data"]
    assert completed["proof"]["onChain"]["verified"] is True  # settled with a real proof
    assert completed["proof"]["state"] == "NOT_CONFIGURED"  # no prover here: make run has one
    registry = contract_at(deployed[0], "AgentRegistry", deployed[1]["AgentRegistry"])
    assert registry.functions.agentCount().call() == 4


def test_seed_demo_chain_sends_nothing_to_a_chain_that_has_agents(anvil: Anvil):
    block = anvil.w3.eth.block_number
    summary = seed_demo_chain(anvil.w3, deployed_contracts(chain_id=ANVIL_CHAIN_ID), accounts=anvil.w3.eth.accounts)
    assert summary.skipped is True
    assert anvil.w3.eth.block_number == block
