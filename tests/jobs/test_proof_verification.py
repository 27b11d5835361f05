"""ACPCore's complete() and reject() verify the evaluation's Groth16 proof (real proofs from the
circuits' development setup, verified by the snarkjs-exported verifiers on the chain)."""

from __future__ import annotations

import pytest
from web3 import Web3

from apps.jobs.chain.deploy import USDC
from prover.evidence import evidence
from tests.jobs.conftest import (
    BUDGET,
    CEX_CAPITAL,
    CEX_EVALUATOR_ID,
    COMPLETED,
    REJECTED,
    TEE_ATTESTATION,
    TEE_REPORT_DATA,
    reverts,
)

ZERO = b"\0" * 32
REPORT_HASH = "0x" + Web3.keccak(text="the enclave's signed report").hex().removeprefix("0x")
ENCLAVE_KEY = "0x04" + "5a" * 64


def _tampered(public_inputs: bytes, index: int, value: int) -> bytes:
    words = bytearray(public_inputs)
    words[32 * index : 32 * (index + 1)] = value.to_bytes(32, "big")
    return bytes(words)


def _settle(chain, job_id: int, zk_proof: bytes, public_inputs: bytes, *, passed: bool = True):
    function = chain.core.functions.complete if passed else chain.core.functions.reject
    call = function(job_id, zk_proof, public_inputs, TEE_ATTESTATION, TEE_REPORT_DATA, 2, True, 0)
    evaluator = chain.cex_evaluator if chain.job(job_id)["strategyType"] == CEX_CAPITAL else chain.evaluator
    return chain.send(call, evaluator)


def test_a_deliverable_proof_completes_the_job(chain, evaluating_job):
    zk_proof, public_inputs = chain.evidence(evaluating_job)

    _settle(chain, evaluating_job, zk_proof, public_inputs)

    assert chain.job(evaluating_job)["status"] == COMPLETED


@pytest.mark.parametrize(
    ("index", "reason"),
    [
        (0, "ACP: invalid zk proof"),  # the Poseidon claim: only the verifier can tell
        (1, "ACP: proof is of another job"),
        (2, "ACP: proof is of another strategy"),
        (4, "ACP: proof is of other hashes"),  # the deliverable hash's low half
    ],
)
def test_a_tampered_public_input_reverts_the_settlement(chain, evaluating_job, index, reason):
    zk_proof, public_inputs = chain.evidence(evaluating_job)
    original = int.from_bytes(public_inputs[32 * index : 32 * (index + 1)], "big")

    with reverts(reason):
        _settle(chain, evaluating_job, zk_proof, _tampered(public_inputs, index, original + 1))
    with reverts(reason):
        _settle(chain, evaluating_job, zk_proof, _tampered(public_inputs, index, original + 1), passed=False)


def test_a_tampered_proof_reverts(chain, evaluating_job):
    zk_proof, public_inputs = chain.evidence(evaluating_job)
    point_a_swapped = zk_proof[32:64] + zk_proof[:32] + zk_proof[64:]

    with reverts("ACP: invalid zk proof"):
        _settle(chain, evaluating_job, point_a_swapped, public_inputs)


def test_a_proof_of_another_job_reverts(chain, evaluating_job):
    other = chain.create_job()
    zk_proof, public_inputs = chain.evidence(other)

    with reverts("ACP: proof is of another job"):
        _settle(chain, evaluating_job, zk_proof, public_inputs)


def test_evidence_that_is_not_a_groth16_proof_reverts(chain, evaluating_job):
    zk_proof, public_inputs = chain.evidence(evaluating_job)

    with reverts("ACP: zk proof is not a Groth16 proof"):
        _settle(chain, evaluating_job, zk_proof + b"\0", public_inputs)
    with reverts("ACP: public inputs are not the deliverable circuit's"):
        _settle(chain, evaluating_job, zk_proof, public_inputs[:-32])


# ---- CEX_CAPITAL: the proof carries the verdict ----


@pytest.fixture
def cex_job(chain) -> int:
    job_id = chain.create_job(strategy=CEX_CAPITAL, program_hash=ZERO)
    chain.send(chain.core.functions.setCexConfig(job_id, BUDGET, 1_000, 500), chain.client)
    chain.fund(job_id)
    chain.assign(job_id)
    chain.submit(job_id)
    chain.take_evaluation(job_id, CEX_EVALUATOR_ID)
    return job_id


def cex_evidence(job_id: int, *, end: int, lowest: int, capital: int = BUDGET) -> tuple[bytes, bytes]:
    return evidence(
        {
            "jobId": str(job_id),
            "strategyType": "CEX_CAPITAL",
            "cex": {
                "capital": str(capital),
                "stopLossBps": 1_000,
                "targetReturnBps": 500,
                "endEquity": str(end),
                "minEquity": str(lowest),
                "reportHash": REPORT_HASH,
                "enclaveKey": ENCLAVE_KEY,
            },
        }
    )


def test_a_cex_job_that_met_its_target_completes_with_its_proof(chain, cex_job):
    zk_proof, public_inputs = cex_evidence(cex_job, end=1_060 * USDC, lowest=950 * USDC)

    with reverts("ACP: proof is of the other verdict"):
        _settle(chain, cex_job, zk_proof, public_inputs, passed=False)
    _settle(chain, cex_job, zk_proof, public_inputs)

    assert chain.job(cex_job)["status"] == COMPLETED


def test_a_cex_job_that_missed_its_target_is_rejected_with_a_valid_proof_of_that(chain, cex_job):
    zk_proof, public_inputs = cex_evidence(cex_job, end=1_040 * USDC, lowest=950 * USDC)

    with reverts("ACP: proof is of the other verdict"):
        _settle(chain, cex_job, zk_proof, public_inputs)
    _settle(chain, cex_job, zk_proof, public_inputs, passed=False)

    assert chain.job(cex_job)["status"] == REJECTED


def test_a_cex_proof_with_a_raised_end_equity_or_other_terms_reverts(chain, cex_job):
    zk_proof, public_inputs = cex_evidence(cex_job, end=1_040 * USDC, lowest=950 * USDC)

    with reverts("ACP: invalid zk proof"):
        _settle(chain, cex_job, zk_proof, _tampered(public_inputs, 5, 1_100 * USDC), passed=False)
    with reverts("ACP: proof is of other trading terms"):
        _settle(chain, cex_job, *cex_evidence(cex_job, end=60 * USDC, lowest=50 * USDC, capital=50 * USDC))
