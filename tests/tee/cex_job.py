"""The setup the anvil TEE tests share: a CEX_CAPITAL job created, configured, funded, assigned
and indexed on a real anvil chain (tests/jobs/integration/conftest.py's `anvil` and `index`), and
its TEE task initialised through the proxy by the job's client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from apps.jobs.models import Job
from tests.core.wallet_signing import wallet_headers
from tests.jobs.integration.conftest import BUDGET, CLIENT_ID, USDC, Anvil
from tests.tee.gateway import encrypt_api_key, sign_order

CEX_CAPITAL = 3
CAPITAL = 10_000 * USDC
PARAMS = {"stop_loss_bps": 1000, "target_return_bps": 2000, "max_daily_trades": 50}


@dataclass(frozen=True)
class CexJob:
    job_id: int
    deadline: int


def funded_cex_capital_job(anvil: Anvil, index: Any) -> CexJob:
    """A FUNDED CEX_CAPITAL job with 10,000 USDC capital, stop-loss 10%, target 20%, indexed."""
    deadline = anvil.w3.eth.get_block("latest")["timestamp"] + 3600
    created = anvil.send(
        anvil.core.functions.createJob(CLIENT_ID, BUDGET, deadline, CEX_CAPITAL, b"\0" * 32, b"\0" * 32), anvil.client
    )
    job_id = anvil.event(created, "JobCreated")["jobId"]
    anvil.send(anvil.core.functions.setCexConfig(job_id, CAPITAL, 1000, 2000), anvil.client)
    anvil.fund(job_id)
    anvil.assign(job_id)
    index()
    assert Job.objects.get(job_id=job_id).status == "FUNDED"
    return CexJob(job_id=job_id, deadline=deadline)


def init_tee_task(api: Any, job: CexJob, account: Any) -> Any:
    """POST /api/v1/tee/jobs signed by `account`, the API key encrypted to the attested key."""
    tee_pubkey = api.get("/api/v1/tee/attestation").json()["tee_pubkey"]
    body = {
        "job_id": "0x" + job.job_id.to_bytes(32, "big").hex(),
        "encrypted_api_key": encrypt_api_key(tee_pubkey),
        "params": PARAMS,
        "deadline": job.deadline,
    }
    raw = json.dumps(body).encode()
    headers = wallet_headers(
        account, scope="tee-jobs", job_id=body["job_id"], method="POST", path="/api/v1/tee/jobs", body=raw
    )
    return api.post("/api/v1/tee/jobs", data=raw, content_type="application/json", **headers)


def place_order(api: Any, job: CexJob, signer: Any, *, nonce: str, quantity: str, price: str, side: str = "buy") -> Any:
    """A provider-signed limit order through the proxy."""
    fields = {"symbol": "BTC/USDT", "side": side, "quantity": quantity, "price": price, "nonce": nonce}
    signed = {"order": fields, "provider_signature": sign_order(signer, job_id=str(job.job_id), order=fields)}
    return api.post(f"/api/v1/tee/jobs/{job.job_id}/orders", data=signed, format="json")
