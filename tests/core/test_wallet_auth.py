"""EIP-191 wallet-signature auth: AACP:<scope>:<jobId>:<timestamp_ms>, 5 minutes, once."""

import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from apps.core.wallet_auth import wallet_message

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

MINUTE_MS = 60_000


@pytest.fixture
def wallet():
    return Account.create()


def now_ms() -> int:
    return int(time.time() * 1000)


def headers(account, *, scope="offers", job_id="7", timestamp=None, address=None, signer=None):
    timestamp = now_ms() if timestamp is None else timestamp
    message = wallet_message(scope=scope, job_id=job_id, timestamp_ms=timestamp)
    signature = (signer or account).sign_message(encode_defunct(text=message)).signature.hex()
    return {
        "HTTP_X_WALLET_ADDRESS": address or account.address,
        "HTTP_X_WALLET_SIGNATURE": "0x" + signature.removeprefix("0x"),
        "HTTP_X_WALLET_TIMESTAMP": str(timestamp),
    }


def post(api, job_id="7", body=None, **extra):
    return api.post(f"/api/v1/jobs/{job_id}/signed", body or {}, format="json", **extra)


def refusal(response):
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    return body["error"]["code"]


def test_it_accepts_a_fresh_signature_and_names_the_signer(api, wallet):
    response = post(api, **headers(wallet))
    assert response.status_code == 200
    assert response.json() == {"signer": wallet.address}


def test_the_address_header_may_be_lower_case(api, wallet):
    response = post(api, **headers(wallet, address=wallet.address.lower()))
    assert response.json() == {"signer": wallet.address}


@pytest.mark.parametrize("dropped", ["HTTP_X_WALLET_ADDRESS", "HTTP_X_WALLET_SIGNATURE", "HTTP_X_WALLET_TIMESTAMP"])
def test_it_names_a_missing_header(api, wallet, dropped):
    sent = headers(wallet)
    del sent[dropped]
    response = post(api, **sent)
    assert refusal(response) == "WALLET_AUTH_MISSING"
    assert dropped.removeprefix("HTTP_").replace("_", "-").lower() in response.json()["error"]["message"].lower()


def test_it_answers_an_identical_replay_and_rejects_the_signature_on_another_body(api, wallet):
    sent = headers(wallet)
    first = post(api, **sent)
    assert first.status_code == 200
    again = post(api, **sent)
    assert (again.status_code, again.json()) == (200, first.json())
    assert refusal(post(api, body={"agentId": "9"}, **sent)) == "WALLET_SIGNATURE_REPLAYED"


def test_it_rejects_a_stale_wallet_timestamp(api, wallet):
    assert refusal(post(api, **headers(wallet, timestamp=now_ms() - 6 * MINUTE_MS))) == "WALLET_TIMESTAMP_STALE"


def test_it_rejects_a_timestamp_from_the_future(api, wallet):
    assert refusal(post(api, **headers(wallet, timestamp=now_ms() + 6 * MINUTE_MS))) == "WALLET_TIMESTAMP_FUTURE"


def test_it_accepts_a_timestamp_four_minutes_either_way(api, wallet):
    assert post(api, **headers(wallet, timestamp=now_ms() - 4 * MINUTE_MS)).status_code == 200
    assert post(api, **headers(wallet, timestamp=now_ms() + 4 * MINUTE_MS)).status_code == 200


def test_it_rejects_a_signature_by_another_wallet(api, wallet):
    sent = headers(wallet, signer=Account.create())
    assert refusal(post(api, **sent)) == "WALLET_SIGNATURE_INVALID"


@pytest.mark.parametrize(("scope", "job_id"), [("tee-jobs", "7"), ("offers", "8")])
def test_a_signature_for_another_scope_or_job_does_not_count(api, wallet, scope, job_id):
    assert refusal(post(api, job_id="7", **headers(wallet, scope=scope, job_id=job_id))) == "WALLET_SIGNATURE_INVALID"


@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        ("HTTP_X_WALLET_ADDRESS", "0x1234", "WALLET_ADDRESS_INVALID"),
        ("HTTP_X_WALLET_SIGNATURE", "0xdeadbeef", "WALLET_SIGNATURE_INVALID"),
        ("HTTP_X_WALLET_SIGNATURE", "0x" + "00" * 65, "WALLET_SIGNATURE_INVALID"),
        ("HTTP_X_WALLET_TIMESTAMP", "yesterday", "WALLET_TIMESTAMP_INVALID"),
    ],
)
def test_malformed_headers_get_a_clear_401(api, wallet, header, value, code):
    sent = headers(wallet)
    sent[header] = value
    assert refusal(post(api, **sent)) == code


def test_a_refused_signature_does_not_use_up_the_message(api, wallet):
    timestamp = now_ms()
    forged = headers(wallet, timestamp=timestamp, signer=Account.create())
    assert refusal(post(api, **forged)) == "WALLET_SIGNATURE_INVALID"
    assert post(api, **headers(wallet, timestamp=timestamp)).status_code == 200
