"""EIP-191 wallet-signature auth: `AACP:<scope>:<jobId>:<timestamp_ms>` bound to the request's
method, path and body bytes; 5 minutes; once."""

import time

import pytest
from eth_account import Account

from tests.core.wallet_signing import json_bytes, wallet_headers

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

MINUTE_MS = 60_000


@pytest.fixture
def wallet():
    return Account.create()


def now_ms() -> int:
    return int(time.time() * 1000)


def headers(account, *, scope="offers", job_id="7", timestamp=None, address=None, signer=None, body=None, seed=False):
    """Signed for POST /api/v1/jobs/7/signed with `body` (the bound message), or `seed`: the bare one."""
    where = {} if seed else {"method": "POST", "path": "/api/v1/jobs/7/signed", "body": json_bytes(body or {})}
    sent = wallet_headers(account, scope=scope, job_id=job_id, timestamp=timestamp, signer=signer, **where)
    if address:
        sent["HTTP_X_WALLET_ADDRESS"] = address
    return sent


def post(api, job_id="7", body=None, *, route="signed", **extra):
    raw = json_bytes(body or {})
    return api.post(f"/api/v1/jobs/{job_id}/{route}", raw, content_type="application/json", **extra)


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
    assert refusal(post(api, body={"agentId": "9"}, **sent)) == "WALLET_SIGNATURE_INVALID"


def test_a_bound_signature_names_the_request_it_was_made_for(api, wallet):
    sent = headers(wallet, body={"agentId": "5"})
    refused = post(api, body={"agentId": "6"}, **sent)
    assert refusal(refused) == "WALLET_SIGNATURE_INVALID"
    assert "POST /api/v1/jobs/7/signed" in refused.json()["error"]["message"]
    assert post(api, body={"agentId": "5"}, **sent).status_code == 200


def test_the_bare_seed_message_is_refused_where_the_action_must_be_named(api, wallet):
    assert refusal(post(api, **headers(wallet, seed=True))) == "WALLET_MESSAGE_UNBOUND"


def test_the_bare_seed_message_still_works_where_a_seed_documents_it(api, wallet):
    sent = headers(wallet, seed=True)
    assert post(api, route="signed-seed", **sent).json() == {"signer": wallet.address}
    assert refusal(post(api, route="signed-seed", body={"agentId": "9"}, **sent)) == "WALLET_SIGNATURE_REPLAYED"


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
