"""A CEX_CAPITAL proof request carries the TEE's attested evidence (apps/tee/evidence.py), taken
from the dev gateway over HTTP when the request is sent. The prover is the stand-in of
test_prover.py (it records the body); the gateway is the real dev gateway process."""

from __future__ import annotations

from decimal import Decimal

import pytest
from web3 import Web3

from apps.jobs.models import ProofState, StrategyType
from apps.jobs.proofs import submit_proof_request
from apps.jobs.prover_client import ProverUnavailable
from apps.tee.models import TeeSnapshotReport
from apps.tee.verification import signed_payload
from tests.core.servers import free_port
from tests.jobs.api.factories import JobFactory, ProofRequestFactory
from tests.jobs.proofs.test_prover import no_backoff, prover  # noqa: F401 -- fixtures, used by name
from tests.tee.gateway import dev_gateway, encrypt_api_key

CAPITAL = 10_000 * 10**6


@pytest.fixture
def cex_request(db):
    job = JobFactory(
        job_id=31,
        strategy_type=StrategyType.CEX_CAPITAL,
        cex_capital=Decimal(CAPITAL),
        stop_loss_bps=1000,
        target_return_bps=2000,
    )
    return ProofRequestFactory(job=job, state=ProofState.PENDING)


@pytest.fixture
def gateway(settings, tmp_path):
    with dev_gateway(tmp_path / "tee") as running:
        settings.TEE_GATEWAY_URL = running.url
        yield running


def init_task(gateway, job_id: int) -> None:
    tee_pubkey = gateway.get("/attestation").json()["tee_pubkey"]
    body = {
        "job_id": str(job_id),
        "encrypted_api_key": encrypt_api_key(tee_pubkey),
        "params": {"stop_loss_bps": 1000, "target_return_bps": 2000, "max_daily_trades": 5},
        "deadline": 2_000_000_000,
        "provider_address": "0x" + "22" * 20,
        "starting_capital": "10000",
    }
    assert gateway.post("/jobs", body).status_code == 200


def test_the_request_carries_the_jobs_terms_and_the_attested_report(prover, gateway, cex_request):  # noqa: F811
    init_task(gateway, 31)
    # An earlier snapshot at 9,500: the lowest equity the proof must account for.
    TeeSnapshotReport.objects.create(
        job_id=31, report_hash="0x" + "01" * 32, reported_value=0, balance_report={"equity": "9500.00"}
    )

    proof = submit_proof_request(proof_request_id=cex_request.pk)

    assert proof.state == ProofState.PROVING
    sent = prover.requests[-1][2]
    status = gateway.get("/jobs/31/status").json()
    assert sent["strategyType"] == "CEX_CAPITAL"
    assert sent["cex"] == {
        "capital": str(CAPITAL),
        "stopLossBps": 1000,
        "targetReturnBps": 2000,
        "endEquity": str(CAPITAL),
        "minEquity": str(9_500 * 10**6),
        "reportHash": Web3.keccak(text=signed_payload(status)).to_0x_hex(),
        "enclaveKey": gateway.get("/attestation").json()["tee_pubkey"],
    }


def test_a_job_the_gateway_does_not_know_fails_its_proof_saying_why(prover, gateway, cex_request):  # noqa: F811
    proof = submit_proof_request(proof_request_id=cex_request.pk)

    assert proof.state == ProofState.FAILED
    assert "no usable TEE evidence" in proof.error
    assert prover.requests == []


def test_a_gateway_that_is_down_leaves_the_request_pending_for_a_retry(prover, settings, cex_request):  # noqa: F811
    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(ProverUnavailable, match="TEE gateway"):
        submit_proof_request(proof_request_id=cex_request.pk)

    cex_request.refresh_from_db()
    assert cex_request.state == ProofState.PENDING
    assert prover.requests == []
