"""Seed 000 end to end: a CEX_CAPITAL job funded on a real anvil chain and indexed by the chain
follower, its TEE task initialised through the proxy by the client with an API key ECIES-encrypted
to the attested key, orders signed by the on-chain provider, a stop-loss that closes the task, and
a status whose enclave signature verifies. (Snapshots on chain are not built yet.)"""

from __future__ import annotations

import json

import pytest
from web3 import Web3

from apps.jobs.models import Job
from tests.core.wallet_signing import wallet_headers
from tests.jobs.integration.conftest import (  # noqa: F401 -- fixtures, used by name
    BUDGET,
    CLIENT_ID,
    USDC,
    anvil,
    anvil_url,
    deployed,
    index,
    wallet,
)
from tests.tee.gateway import dev_gateway, encrypt_api_key, sign_order

pytestmark = pytest.mark.django_db(transaction=True)

CEX_CAPITAL = 3
CAPITAL = 10_000 * USDC


def test_a_cex_capital_job_trades_in_the_dev_tee_until_its_stop_loss(anvil, index, api, settings, tmp_path):  # noqa: F811
    client, provider, stranger = wallet(1), wallet(2), wallet(9)
    assert (client.address, provider.address) == (anvil.client, anvil.provider)
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

    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        tee_pubkey = api.get("/api/v1/tee/attestation").json()["tee_pubkey"]
        body = {
            "job_id": "0x" + job_id.to_bytes(32, "big").hex(),
            "encrypted_api_key": encrypt_api_key(tee_pubkey),
            "params": {"stop_loss_bps": 1000, "target_return_bps": 2000, "max_daily_trades": 50},
            "deadline": deadline,
        }
        raw = json.dumps(body).encode()

        def init(account):
            headers = wallet_headers(
                account, scope="tee-jobs", job_id=body["job_id"], method="POST", path="/api/v1/tee/jobs", body=raw
            )
            return api.post("/api/v1/tee/jobs", data=raw, content_type="application/json", **headers)

        assert init(stranger).status_code == 403
        assert init(client).status_code == 200

        def order(signer, nonce: str, quantity: str, price: str):
            fields = {"symbol": "BTC/USDT", "side": "buy", "quantity": quantity, "price": price, "nonce": nonce}
            signed = {"order": fields, "provider_signature": sign_order(signer, job_id=str(job_id), order=fields)}
            return api.post(f"/api/v1/tee/jobs/{job_id}/orders", data=signed, format="json")

        assert order(stranger, "0", "0.01", "65000").status_code == 401
        assert order(provider, "1", "0.1", "65000").status_code == 200
        assert order(provider, "2", "0.001", "30000").status_code == 200  # equity 6500: -35%

        status = api.get(f"/api/v1/tee/jobs/{job_id}/status?verify=true").json()
        assert (status["state"], status["closed_reason"]) == ("closed", "stop_loss")
        assert status["balance_report"]["starting_capital"] == "10000.00"
        assert status["verification"]["valid"] is True
        assert Web3.is_checksum_address(status["tee_address"])
