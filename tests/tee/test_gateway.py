"""The dev TEE gateway over real HTTP: attestation, job init, signed orders, closing, restart."""

from __future__ import annotations

import itertools
import stat
import time

import pytest
from eth_account import Account

from apps.tee.verification import verify_report
from tests.tee.gateway import dev_gateway, encrypt_api_key, sign_order

PROVIDER = Account.from_key(b"\x02" * 32)
STRANGER = Account.from_key(b"\x03" * 32)
_ids = itertools.count(100)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with dev_gateway(tmp_path_factory.mktemp("tee") / "state") as running:
        yield running


def init(gateway, *, job_id: str | None = None, **params) -> str:
    job_id = job_id or str(next(_ids))
    tee_pubkey = gateway.get("/attestation").json()["tee_pubkey"]
    body = {
        "job_id": job_id,
        "encrypted_api_key": encrypt_api_key(tee_pubkey),
        "params": {"stop_loss_bps": 1000, "target_return_bps": 2000, "max_daily_trades": 50, **params},
        "deadline": int(time.time()) + 3600,
        "provider_address": PROVIDER.address,
        "starting_capital": "10000.00",
    }
    response = gateway.post("/jobs", body)
    assert response.status_code == 200, response.text
    return job_id


def order(gateway, job_id: str, *, signer=PROVIDER, **fields):
    fields = {"symbol": "BTC/USDT", "side": "buy", "quantity": "0.01", "price": "65000", "nonce": "1", **fields}
    body = {"order": fields, "provider_signature": sign_order(signer, job_id=job_id, order=fields)}
    return gateway.post(f"/jobs/{job_id}/orders", body)


def test_attestation_shows_the_uncompressed_key_and_says_it_is_a_dev_gateway(gateway, tmp_path_factory):
    body = gateway.get("/attestation").json()

    assert body["tee_pubkey"].startswith("0x04") and len(body["tee_pubkey"]) == 2 + 130
    assert body["attestation_type"] == "dev"
    assert body["quote"] is None


def test_the_dev_key_file_is_readable_by_its_owner_only(tmp_path):
    with dev_gateway(tmp_path / "state"):
        mode = stat.S_IMODE((tmp_path / "state" / "enclave.key").stat().st_mode)
    assert mode == 0o600


def test_init_decrypts_a_real_ecies_key_and_refuses_a_second_init(gateway):
    job_id = init(gateway)
    again = gateway.post(
        "/jobs",
        {
            "job_id": job_id,
            "encrypted_api_key": encrypt_api_key(gateway.get("/attestation").json()["tee_pubkey"]),
            "params": {"stop_loss_bps": 1000, "target_return_bps": 0, "max_daily_trades": 5},
            "deadline": int(time.time()) + 60,
            "provider_address": PROVIDER.address,
            "starting_capital": "1.00",
        },
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "TASK_EXISTS"
    status = gateway.get(f"/jobs/{job_id}/status").json()
    assert status["state"] == "running"
    assert "apiKey" not in str(status)


def test_init_refuses_a_key_not_encrypted_to_the_enclave(gateway):
    other = Account.create()
    other_pub = "0x04" + other._key_obj.public_key.to_bytes().hex()
    response = gateway.post(
        "/jobs",
        {
            "job_id": "9001",
            "encrypted_api_key": encrypt_api_key(other_pub),
            "params": {"stop_loss_bps": 1000, "target_return_bps": 0, "max_daily_trades": 5},
            "deadline": int(time.time()) + 60,
            "provider_address": PROVIDER.address,
            "starting_capital": "100",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "API_KEY_UNDECRYPTABLE"
    assert gateway.get("/jobs/9001/status").status_code == 404


def test_a_provider_signed_order_fills_on_the_paper_book(gateway):
    job_id = init(gateway)

    response = order(gateway, job_id)

    assert response.status_code == 200, response.text
    report = response.json()["balance_report"]
    assert report["usdt_balance"] == "9350.00"
    assert report["positions"] == [
        {"symbol": "BTC/USDT", "quantity": "0.01", "avg_price": "65000.00", "mark_price": "65000.00"}
    ]


def test_the_bytes32_id_and_the_decimal_id_are_the_same_job(gateway):
    job_id = init(gateway)
    as_bytes32 = "0x" + int(job_id).to_bytes(32, "big").hex()

    response = order(gateway, as_bytes32)

    assert response.status_code == 200, response.text
    assert gateway.get(f"/jobs/{job_id}/status").json()["balance_report"]["usdt_balance"] == "9350.00"


def test_an_order_signed_by_anyone_but_the_provider_is_401(gateway):
    job_id = init(gateway)

    response = order(gateway, job_id, signer=STRANGER)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "PROVIDER_SIGNATURE_INVALID"
    assert gateway.get(f"/jobs/{job_id}/status").json()["balance_report"]["usdt_balance"] == "10000.00"


def test_a_signed_order_cannot_be_replayed(gateway):
    job_id = init(gateway)
    assert order(gateway, job_id).status_code == 200

    replay = order(gateway, job_id)

    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "ORDER_REPLAYED"
    assert order(gateway, job_id, nonce="2").status_code == 200


def test_orders_past_max_daily_trades_are_refused(gateway):
    job_id = init(gateway, max_daily_trades=2)
    assert order(gateway, job_id, nonce="a").status_code == 200
    assert order(gateway, job_id, nonce="b").status_code == 200

    third = order(gateway, job_id, nonce="c")

    assert third.status_code == 409
    assert third.json()["error"]["code"] == "DAILY_TRADE_LIMIT"


def test_an_order_for_an_unknown_job_is_404(gateway):
    assert order(gateway, "424242").status_code == 404


def test_a_fall_past_the_stop_loss_closes_the_task(gateway):
    job_id = init(gateway, stop_loss_bps=1000)
    assert order(gateway, job_id, quantity="0.1", nonce="1").status_code == 200  # 6500 of 10000 in BTC
    # A fill at 30000 marks the 0.101 BTC held at 30000: equity 3470 + 3030 = 6500, -35%.
    crash = order(gateway, job_id, quantity="0.001", price="30000", nonce="2")

    assert crash.status_code == 200
    status = gateway.get(f"/jobs/{job_id}/status").json()
    assert (status["state"], status["closed_reason"]) == ("closed", "stop_loss")
    assert status["balance_report"]["usdt_balance"] == "6500.00"
    assert order(gateway, job_id, nonce="3").status_code == 409


def test_reaching_the_target_return_closes_the_task(gateway):
    job_id = init(gateway, target_return_bps=1000)
    order(gateway, job_id, quantity="0.1", nonce="1")
    order(gateway, job_id, quantity="0.0001", price="90000", nonce="2")  # equity 3499.991+9009 > 11000

    status = gateway.get(f"/jobs/{job_id}/status").json()
    assert (status["state"], status["closed_reason"]) == ("closed", "target_return")


def test_the_gateway_closes_a_task_at_its_deadline_by_itself(gateway):
    job_id = str(next(_ids))
    tee_pubkey = gateway.get("/attestation").json()["tee_pubkey"]
    body = {
        "job_id": job_id,
        "encrypted_api_key": encrypt_api_key(tee_pubkey),
        "params": {"stop_loss_bps": 1000, "target_return_bps": 0, "max_daily_trades": 5},
        "deadline": int(time.time()) + 2,
        "provider_address": PROVIDER.address,
        "starting_capital": "500",
    }
    assert gateway.post("/jobs", body).status_code == 200
    time.sleep(3.5)  # the sweeper (every 0.2 s here) closes it; nobody calls the task meanwhile

    status = gateway.get(f"/jobs/{job_id}/status").json()
    assert (status["state"], status["closed_reason"]) == ("closed", "deadline")


def test_the_enclave_signature_verifies_and_a_tampered_report_does_not(gateway):
    job_id = init(gateway)
    order(gateway, job_id)
    status = gateway.get(f"/jobs/{job_id}/status").json()
    attested = gateway.get("/attestation").json()["tee_pubkey"]

    assert verify_report(status, tee_pubkey=attested) is True
    tampered = {**status, "balance_report": {**status["balance_report"], "usdt_balance": "99999.00"}}
    assert verify_report(tampered, tee_pubkey=attested) is False


def test_a_restart_keeps_the_enclave_key_and_the_tasks(tmp_path):
    state = tmp_path / "state"
    with dev_gateway(state) as first:
        key = first.get("/attestation").json()["tee_pubkey"]
        job_id = init(first)
        assert order(first, job_id).status_code == 200
    with dev_gateway(state) as second:
        assert second.get("/attestation").json()["tee_pubkey"] == key
        status = second.get(f"/jobs/{job_id}/status").json()
        assert status["balance_report"]["usdt_balance"] == "9350.00"
        assert order(second, job_id).status_code == 401  # still single-use after the restart


def test_a_whole_quantity_is_reported_as_a_plain_number(gateway):
    job_id = init(gateway)

    response = order(gateway, job_id, symbol="XRP/USDT", quantity="100.000", price="0.5")

    assert response.json()["balance_report"]["positions"][0]["quantity"] == "100"
    assert response.json()["balance_report"]["usdt_balance"] == "9950.00"
