"""Seed 000 end to end: a CEX_CAPITAL job funded on a real anvil chain and indexed by the chain
follower, its TEE task initialised through the proxy by the client with an API key ECIES-encrypted
to the attested key, orders signed by the on-chain provider, a stop-loss that closes the task, and
a status whose enclave signature verifies. (Snapshots on chain: tests/tee/test_snapshots.py.)"""

from __future__ import annotations

import pytest
from web3 import Web3

from tests.jobs.integration.conftest import (  # noqa: F401 -- fixtures, used by name
    anvil,
    anvil_url,
    deployed,
    index,
    wallet,
)
from tests.tee.cex_job import funded_cex_capital_job, init_tee_task, place_order
from tests.tee.gateway import dev_gateway

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_cex_capital_job_trades_in_the_dev_tee_until_its_stop_loss(anvil, index, api, settings, tmp_path):  # noqa: F811
    client, provider, stranger = wallet(1), wallet(2), wallet(9)
    assert (client.address, provider.address) == (anvil.client, anvil.provider)
    job = funded_cex_capital_job(anvil, index)

    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        assert init_tee_task(api, job, stranger).status_code == 403
        assert init_tee_task(api, job, client).status_code == 200

        assert place_order(api, job, stranger, nonce="0", quantity="0.01", price="65000").status_code == 401
        assert place_order(api, job, provider, nonce="1", quantity="0.1", price="65000").status_code == 200
        # equity 6500: -35%
        assert place_order(api, job, provider, nonce="2", quantity="0.001", price="30000").status_code == 200

        status = api.get(f"/api/v1/tee/jobs/{job.job_id}/status?verify=true").json()
        assert (status["state"], status["closed_reason"]) == ("closed", "stop_loss")
        assert status["balance_report"]["starting_capital"] == "10000.00"
        assert status["verification"]["valid"] is True
        assert Web3.is_checksum_address(status["tee_address"])
