"""Issue 15 end to end on anvil: a CEX_CAPITAL job funded, traded in the dev TEE gateway, submitted
and evaluated; indexing evaluate() sends the proof request with the TEE's attested evidence to the
real prover (no manual step), the beat's poll brings the proof back, and ACPCore's complete()
verifies it on the chain. A tampered public input reverts; a job that missed its target is
rejected with a valid proof of that, which complete() refuses."""

from __future__ import annotations

import time
from unittest.mock import ANY

import pytest
from web3 import Web3
from web3.exceptions import ContractLogicError

from apps.jobs.models import ProofRequest, ProofState
from apps.jobs.tasks import poll_proofs
from tests.jobs.integration.conftest import (  # noqa: F401 -- fixtures, used by name
    TEE_ATTESTATION,
    TEE_REPORT_DATA,
    anvil,
    anvil_url,
    deployed,
    index,
    wallet,
)
from tests.prover.support import prover_process
from tests.tee.cex_job import CEX_CAPITAL, funded_cex_capital_job, init_tee_task, place_order
from tests.tee.gateway import dev_gateway

pytestmark = pytest.mark.django_db(transaction=True)
CEX_EVALUATOR_ID, EXTERNAL = 4, 1


@pytest.fixture
def platform(anvil, groth16_setup, settings, tmp_path):  # noqa: F811
    """The dev TEE gateway and the prover as real processes, the backend pointed at both, tasks
    run where they are sent (as a worker would), and a CEX_CAPITAL evaluator (agent 4)."""
    cex_evaluator = anvil.w3.eth.accounts[4]
    register = anvil.registry.functions.registerAgent(cex_evaluator, "CEX evaluator", EXTERNAL, CEX_CAPITAL)
    anvil.send(register, cex_evaluator)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with dev_gateway(tmp_path / "tee") as gateway, prover_process(tmp_path / "prover") as prover:
        settings.TEE_GATEWAY_URL, settings.PROVER_URL = gateway.url, prover.url
        yield cex_evaluator


def evaluated_proof(anvil, index, job_id: int) -> ProofRequest:  # noqa: F811
    """Submit, take the evaluation as the CEX evaluator, index it, and poll as beat does."""
    anvil.submit(job_id)
    anvil.send(anvil.core.functions.evaluate(job_id, CEX_EVALUATOR_ID), anvil.w3.eth.accounts[4])
    index()  # EvaluationStarted: the request is sent to the prover on commit
    deadline = time.monotonic() + 60
    while (proof := ProofRequest.objects.get(job__job_id=job_id)).state in (ProofState.PENDING, ProofState.PROVING):
        assert time.monotonic() < deadline, f"proof still {proof.state}"
        time.sleep(0.2)
        poll_proofs()
    return proof


def settle(anvil, platform, job_id: int, proof: ProofRequest, *, passed: bool, public_inputs: str | None = None):  # noqa: F811
    function = anvil.core.functions.complete if passed else anvil.core.functions.reject
    call = function(
        job_id,
        bytes.fromhex(proof.proof[2:]),
        bytes.fromhex((public_inputs or proof.public_inputs)[2:]),
        TEE_ATTESTATION,
        TEE_REPORT_DATA,
        3,
        True,
        0,
    )
    return anvil.send(call, platform)


def test_a_cex_job_that_met_its_target_completes_with_the_proof_made_after_evaluate(anvil, index, api, platform):  # noqa: F811
    job = funded_cex_capital_job(anvil, index)  # 10,000 USDC, stop-loss 10%, target 20%
    assert init_tee_task(api, job, wallet(1)).status_code == 200
    assert place_order(api, job, wallet(2), nonce="1", quantity="0.1", price="65000").status_code == 200
    # Marked at 130,000: equity 16,500, past the target; the enclave closes the task.
    assert place_order(api, job, wallet(2), nonce="2", quantity="0.001", price="130000").status_code == 200
    assert api.get(f"/api/v1/tee/jobs/{job.job_id}/status").json()["closed_reason"] == "target_return"

    proof = evaluated_proof(anvil, index, job.job_id)

    assert proof.state == ProofState.READY, proof.error
    assert proof.proving_ms > 0
    signals = [int(proof.public_inputs[2 + 64 * i : 66 + 64 * i], 16) for i in range(13)]
    assert signals[:5] == [1, job.job_id, 10_000 * 10**6, 1000, 2000]  # passed, the job, its terms
    assert signals[5] == 16_500 * 10**6  # the attested end equity

    tampered = proof.public_inputs[:-64] + format(signals[-1] ^ 1, "064x")  # the enclave key
    with pytest.raises(ContractLogicError, match="ACP: invalid zk proof"):
        settle(anvil, platform, job.job_id, proof, passed=True, public_inputs=tampered)
    receipt = settle(anvil, platform, job.job_id, proof, passed=True)

    assert anvil.event(receipt, "ProofRecorded")["publicInputsHash"] == Web3.keccak(hexstr=proof.public_inputs)
    assert anvil.job(job.job_id)["status"] == 3  # COMPLETED

    # The follower stores what the chain verified; the API and the job page show it.
    index()
    shown = api.get(f"/api/v1/jobs/{job.job_id}").json()["data"]["proof"]
    assert shown == {
        "state": "READY",
        "provingMs": proof.proving_ms,
        "error": None,
        "zkProof": proof.proof,
        "publicInputs": proof.public_inputs,
        "onChain": {"verified": True, "passed": True, "blockNumber": str(receipt["blockNumber"]), "txHash": ANY},
    }
    page = api.get(f"/jobs/{job.job_id}").content.decode()
    assert f"proof verified on-chain in block {receipt['blockNumber']}" in page


def test_a_cex_job_that_hit_its_stop_loss_is_rejected_with_a_valid_proof_of_that(anvil, index, api, platform):  # noqa: F811
    job = funded_cex_capital_job(anvil, index)
    assert init_tee_task(api, job, wallet(1)).status_code == 200
    assert place_order(api, job, wallet(2), nonce="1", quantity="0.1", price="65000").status_code == 200
    assert place_order(api, job, wallet(2), nonce="2", quantity="0.001", price="30000").status_code == 200
    assert api.get(f"/api/v1/tee/jobs/{job.job_id}/status").json()["closed_reason"] == "stop_loss"

    proof = evaluated_proof(anvil, index, job.job_id)

    assert proof.state == ProofState.READY, proof.error
    assert proof.public_inputs[2:66] == "0" * 64  # passed = 0
    with pytest.raises(ContractLogicError, match="ACP: proof is of the other verdict"):
        settle(anvil, platform, job.job_id, proof, passed=True)
    settle(anvil, platform, job.job_id, proof, passed=False)
    assert anvil.job(job.job_id)["status"] == 4  # REJECTED
