"""The prover over HTTP: proofs that verify, what they state, idempotent submits, refusals."""

from __future__ import annotations

import httpx
import pytest

from apps.jobs.prover_client import ProverClient, ProverRejected
from tests.prover.support import HASH_A, HASH_B, cex_request, deliverable_request, verifies, words


def test_it_proves_a_cex_capital_job_that_met_its_target_and_the_proof_verifies(prover):
    proof_id = prover.submit(cex_request("r1")).json()["proofId"]

    body = prover.wait_finished(proof_id)

    assert body["state"] == "READY", body
    assert body["passed"] is True
    assert body["provingMs"] > 0
    assert verifies("cex_capital", body["proof"], body["publicInputs"])
    # passed, jobId, capital, stop-loss, target, end, lowest, report hash and enclave key halves
    signals = words(body["publicInputs"])
    assert signals[:7] == [1, 7, 1_000_000_000, 1000, 500, 1_060_000_000, 950_000_000]
    assert (signals[7] << 128) + signals[8] == int(HASH_A, 16)
    assert len(signals) == 13


def test_a_job_below_its_target_is_proved_as_missed(prover):
    proof_id = prover.submit(cex_request("r1", endEquity="1040000000")).json()["proofId"]

    body = prover.wait_finished(proof_id)

    assert body["state"] == "READY"
    assert body["passed"] is False
    assert verifies("cex_capital", body["proof"], body["publicInputs"])


def test_a_job_that_touched_its_stop_loss_is_proved_as_missed_even_above_target(prover):
    # 10% stop-loss on 1,000: equity at exactly 900 crossed it, whatever the end.
    proof_id = prover.submit(cex_request("r1", minEquity="900000000")).json()["proofId"]

    body = prover.wait_finished(proof_id)

    assert body["passed"] is False
    assert verifies("cex_capital", body["proof"], body["publicInputs"])


def test_a_tampered_public_input_does_not_verify(prover):
    body = prover.wait_finished(prover.submit(cex_request("r1", endEquity="1040000000")).json()["proofId"])
    signals = words(body["publicInputs"])
    signals[0] = 1  # claim the missed target was met

    tampered = "0x" + "".join(s.to_bytes(32, "big").hex() for s in signals)

    assert not verifies("cex_capital", body["proof"], tampered)


def test_it_proves_that_a_program_jobs_deliverable_is_the_one_checked(prover):
    proof_id = prover.submit(deliverable_request("r1")).json()["proofId"]

    body = prover.wait_finished(proof_id)

    assert body["state"] == "READY", body
    assert verifies("deliverable", body["proof"], body["publicInputs"])
    claim, job_id, strategy, d_high, d_low, p_high, p_low, r_high, r_low = words(body["publicInputs"])
    assert (job_id, strategy) == (8, 0)
    assert (d_high << 128) + d_low == int(HASH_A, 16)
    assert (p_high << 128) + p_low == int(HASH_B, 16)
    assert (r_high, r_low) == (0, 0)
    assert claim != 0


def test_the_same_callback_ref_gets_the_same_proof_and_no_second_one(prover):
    first = prover.submit(deliverable_request("same")).json()["proofId"]
    second = prover.submit(deliverable_request("same")).json()["proofId"]
    other = prover.submit(deliverable_request("other")).json()["proofId"]

    assert first == second
    assert other != first
    assert prover.wait_finished(first)["state"] == "READY"


def test_the_backends_client_speaks_the_provers_dialect(prover):
    with ProverClient(base_url=prover.url, timeout=10) as client:
        proof_id = client.submit(
            job_id=8,
            strategy_type="RUBRIC",
            deliverable_hash=HASH_A,
            program_hash="",
            rubric_hash=HASH_B,
            callback_ref="42",
        )
        assert (
            client.submit(
                job_id=8,
                strategy_type="RUBRIC",
                deliverable_hash=HASH_A,
                program_hash="",
                rubric_hash=HASH_B,
                callback_ref="42",
            )
            == proof_id
        )
        prover.wait_finished(proof_id)
        status = client.status(proof_id)

    assert status.state == "READY"
    assert verifies("deliverable", status.proof, status.public_inputs)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"jobId": "7", "strategyType": "CEX_CAPITAL", "callbackRef": "x"}, "needs `cex`"),
        (cex_request("x", capital="-5"), "capital"),
        (cex_request("x", capital="1.5"), "capital"),
        (cex_request("x", stopLossBps=10_001), "stopLossBps"),
        (cex_request("x", minEquity="2000000000"), "minEquity"),
        (cex_request("x", enclaveKey="0x02" + "11" * 32), "enclaveKey"),
        (cex_request("x", reportHash="0x1234"), "reportHash"),
        (deliverable_request("x", strategyType="LOTTERY"), "strategyType"),
        (deliverable_request("x", deliverableHash="abc"), "deliverableHash"),
        (deliverable_request("x", checkedHash=HASH_B), "checkedHash"),
        (deliverable_request("x", jobId="0"), "jobId"),
        (deliverable_request("", callbackRef=""), "callbackRef"),
        ([1, 2], "JSON object"),
    ],
)
def test_it_refuses_bad_input_with_a_400_saying_why(prover, body, message):
    response = prover.submit(body)

    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_refused_request_is_not_journaled(prover):
    assert prover.submit(deliverable_request("x", deliverableHash="abc")).status_code == 400

    fixed = prover.submit(deliverable_request("x")).json()["proofId"]

    assert prover.wait_finished(fixed)["state"] == "READY"


def test_the_backends_client_reports_a_refusal_as_rejected(prover):
    with ProverClient(base_url=prover.url, timeout=10) as client, pytest.raises(ProverRejected, match="cex"):
        client.submit(
            job_id=7,
            strategy_type="CEX_CAPITAL",
            deliverable_hash=HASH_A,
            program_hash="",
            rubric_hash="",
            callback_ref="1",
        )


def test_an_unknown_proof_is_404(prover):
    response = httpx.get(f"{prover.url}/proofs/{'0' * 32}", timeout=5)

    assert response.status_code == 404
    assert response.json()["error"]
