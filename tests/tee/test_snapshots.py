"""Attested TEE snapshots on a real anvil chain with the dev gateway over HTTP: the poll verifies
the enclave's signature, submits ACPCore.reportSnapshot from the reporter account, the follower
indexes it and the jobs API shows it; an unchanged report is not submitted twice, a gateway that
is down leaves nothing behind, and a tampered report never reaches the chain."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

from apps.jobs.models import Job
from apps.tee.models import TeeSnapshotReport
from apps.tee.services import SnapshotRefused, usdc_raw_units
from apps.tee.tasks import poll_tee_snapshots
from apps.tee.verification import signed_payload
from tests.accounts.factories import sign_in
from tests.core.servers import free_port
from tests.jobs.integration.conftest import (  # noqa: F401 -- fixtures, used by name
    anvil,
    anvil_url,
    deployed,
    index,
    wallet,
)
from tests.tee.cex_job import funded_cex_capital_job, init_tee_task, place_order
from tests.tee.gateway import dev_gateway, tampering_relay

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reporting(anvil, settings):  # noqa: F811
    # tests/jobs/integration/conftest.py deploys ACPCore with anvil's account 8 as the reporter.
    settings.TEE_SNAPSHOT_REPORTER = anvil.w3.eth.accounts[8]
    return anvil


def snapshots(api, job_id: int) -> list[dict]:
    response = api.get(f"/api/v1/jobs/{job_id}/snapshots")
    assert response.status_code == 200
    return response.json()["data"]


def test_a_snapshot_lands_on_chain_and_the_jobs_api_shows_it_once(
    reporting,
    index,  # noqa: F811
    api,
    client,
    admin_user,
    settings,
    tmp_path,
):
    traded, untasked = funded_cex_capital_job(reporting, index), funded_cex_capital_job(reporting, index)
    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        assert init_tee_task(api, traded, wallet(1)).status_code == 200
        assert place_order(api, traded, wallet(2), nonce="1", quantity="0.1", price="65000").status_code == 200

        # The job without a TEE task fails (the gateway's 404) and does not stop the other.
        polled = poll_tee_snapshots()
        assert polled == {str(traded.job_id): "submitted", str(untasked.job_id): "failed"}
        index()

        (shown,) = snapshots(api, traded.job_id)
        receipt = reporting.w3.eth.get_transaction_receipt(shown["txHash"])
        assert receipt["status"] == 1 and receipt["from"] == reporting.w3.eth.accounts[8]
        assert shown["blockNumber"] == str(receipt["blockNumber"])
        assert shown["reportedValue"] == "3500000000"  # 3500.00 USDT cash left after the buy
        assert shown["balanceReport"]["usdt_balance"] == "3500.00"
        assert shown["balanceReport"]["positions"][0]["quantity"] == "0.1"
        assert snapshots(api, untasked.job_id) == []
        in_job = api.get(f"/api/v1/jobs/{traded.job_id}").json()["data"]["snapshots"]
        assert [(s["txHash"], s["reportedValue"]) for s in in_job] == [(shown["txHash"], "3500000000")]

        # The attestation is report_hash (32 bytes) || enclave signature (65 bytes).
        attestation = bytes.fromhex(shown["attestation"].removeprefix("0x"))
        report = {"balance_report": shown["balanceReport"], "closed_reason": None, "job_id": str(traded.job_id)}
        payload = signed_payload({**report, "state": "running"})
        assert attestation[:32] == Web3.keccak(text=payload)
        signer = Account.recover_message(encode_defunct(text=payload), signature=attestation[32:])
        assert signer == api.get("/api/v1/tee/attestation").json()["tee_address"]

        # Nothing changed in the enclave: nothing new is submitted.
        assert poll_tee_snapshots()[str(traded.job_id)] == "unchanged"
        index()
        assert len(snapshots(api, traded.job_id)) == 1

        # A new trade is a new report, taken on demand from the admin.
        assert place_order(api, traded, wallet(2), nonce="2", quantity="0.01", price="65000").status_code == 200
        settings.CELERY_TASK_ALWAYS_EAGER = True
        admin_action(client, admin_user, traded.job_id)
        index()
        assert [s["reportedValue"] for s in snapshots(api, traded.job_id)] == ["2850000000", "3500000000"]


def admin_action(client, admin_user, job_id: int) -> None:
    client.cookies["auth_token"] = sign_in(admin_user).access_token
    pk = Job.objects.get(job_id=job_id).pk
    response = client.post(
        "/admin/jobs/job/", {"action": "take_tee_snapshot_now", "_selected_action": [str(pk)]}, follow=True
    )
    assert "TEE snapshot queued for 1 job(s)." in response.content.decode()


def test_a_gateway_that_is_down_leaves_nothing_and_the_next_poll_submits(reporting, index, api, settings, tmp_path):  # noqa: F811
    job = funded_cex_capital_job(reporting, index)
    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        assert init_tee_task(api, job, wallet(1)).status_code == 200

    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    head = reporting.w3.eth.block_number
    assert poll_tee_snapshots() == {str(job.job_id): "failed"}
    assert not TeeSnapshotReport.objects.exists()
    assert reporting.w3.eth.block_number == head  # no transaction was sent

    with dev_gateway(tmp_path / "state") as gateway:  # the same enclave, back with its task
        settings.TEE_GATEWAY_URL = gateway.url
        assert poll_tee_snapshots() == {str(job.job_id): "submitted"}
    index()
    (shown,) = snapshots(api, job.job_id)
    assert shown["reportedValue"] == "10000000000"


def test_a_reverted_report_is_not_claimed_and_is_sent_again(reporting, index, api, settings, tmp_path):  # noqa: F811
    job = funded_cex_capital_job(reporting, index)
    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        assert init_tee_task(api, job, wallet(1)).status_code == 200
        settings.TEE_SNAPSHOT_REPORTER = reporting.stranger  # ACPCore: "not the reporter"
        assert poll_tee_snapshots() == {str(job.job_id): "failed"}
        assert not TeeSnapshotReport.objects.exists()

        settings.TEE_SNAPSHOT_REPORTER = reporting.w3.eth.accounts[8]
        assert poll_tee_snapshots() == {str(job.job_id): "submitted"}
    index()
    assert len(snapshots(api, job.job_id)) == 1


def test_a_tampered_report_is_not_submitted(reporting, index, api, settings, tmp_path):  # noqa: F811
    job = funded_cex_capital_job(reporting, index)
    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        assert init_tee_task(api, job, wallet(1)).status_code == 200
        with tampering_relay(gateway.url) as relay:
            settings.TEE_GATEWAY_URL = relay
            assert api.get(f"/api/v1/tee/jobs/{job.job_id}/status?verify=true").json()["verification"]["valid"] is False
            assert poll_tee_snapshots() == {str(job.job_id): "failed"}
    index()
    assert not TeeSnapshotReport.objects.exists()
    assert snapshots(api, job.job_id) == []


@pytest.mark.parametrize(
    ("usdt_balance", "raw"), [("3500.00", 3_500_000_000), ("0.1234569", 123_456), ("0", 0), ("1e2", 100_000_000)]
)
def test_a_balance_is_reported_in_usdc_raw_units_rounded_down_past_six_decimals(usdt_balance, raw):
    assert usdc_raw_units(usdt_balance) == raw


@pytest.mark.parametrize("usdt_balance", ["-1.00", "NaN", "Infinity", "ten", 10.5, None])
def test_a_balance_that_is_not_a_non_negative_decimal_string_is_refused(usdt_balance):
    with pytest.raises(SnapshotRefused):
        usdc_raw_units(usdt_balance)
