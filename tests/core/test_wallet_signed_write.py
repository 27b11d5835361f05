"""`wallet_signed_write`: one signed message does one thing. An identical replay answers the first
answer and runs nothing; the signature on another request is refused; a refusal does not use the
signature up; two identical requests at once run the write once."""

from __future__ import annotations

import threading
import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from apps.core import wallet_auth
from apps.core.errors import ApiError
from apps.core.wallet_auth import wallet_message, wallet_signed_write

WALLET = Account.create()


class CountingWrite:
    """A write that counts its runs and answers 201 with the signer and the run number."""

    def __init__(self, *, fail_with: ApiError | None = None) -> None:
        self.runs = 0
        self.fail_with = fail_with

    def __call__(self, signer: str) -> Response:
        self.runs += 1
        if self.fail_with is not None:
            raise self.fail_with
        return Response({"signer": signer, "run": self.runs}, status=201)


def signed_headers(timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time() * 1000) if timestamp is None else timestamp
    message = wallet_message(scope="offers", job_id="7", timestamp_ms=timestamp)
    signature = WALLET.sign_message(encode_defunct(text=message)).signature.hex()
    return {
        "HTTP_X_WALLET_ADDRESS": WALLET.address,
        "HTTP_X_WALLET_SIGNATURE": "0x" + signature.removeprefix("0x"),
        "HTTP_X_WALLET_TIMESTAMP": str(timestamp),
    }


def request(headers, body=None, *, method="post", path="/api/v1/jobs/7/offers") -> Request:
    raw = getattr(APIRequestFactory(), method)(path, body if body is not None else {"agentId": "5"}, format="json")
    raw.META.update(headers)
    return Request(raw, parsers=[JSONParser()])


def send(headers, write, body=None, **where) -> Response:
    # The seed's bare message binds no body: the replay store is what ties it to its first request.
    return wallet_signed_write(
        request(headers, body, **where), scope="offers", job_id="7", write=write, accept_seed_message=True
    )


def refusal(call) -> ApiError:
    with pytest.raises(ApiError) as raised:
        call()
    return raised.value


def test_an_identical_replay_answers_the_first_answer_without_running_again():
    headers, write = signed_headers(), CountingWrite()
    first = send(headers, write)
    again = send(headers, write)
    assert (again.status_code, again.data) == (201, {"signer": WALLET.address, "run": 1})
    assert first.status_code == 201
    assert write.runs == 1


def test_the_body_is_compared_in_canonical_form():
    headers, write = signed_headers(), CountingWrite()
    send(headers, write, {"agentId": "5", "ownerAddress": "0xab"})
    assert send(headers, write, {"ownerAddress": "0xab", "agentId": "5"}).data["run"] == 1
    assert write.runs == 1


@pytest.mark.parametrize(
    "other",
    [
        {"body": {"agentId": "6"}},
        {"path": "/api/v1/jobs/7/offers/5", "method": "delete"},
        {"method": "put"},
    ],
)
def test_the_signature_on_another_request_is_still_refused(other):
    headers, write = signed_headers(), CountingWrite()
    send(headers, write)
    body = other.pop("body", None)
    error = refusal(lambda: send(headers, write, body, **other))
    assert (error.status_code, error.error_code) == (401, "WALLET_SIGNATURE_REPLAYED")
    assert write.runs == 1


def test_a_refused_request_leaves_the_signature_for_a_corrected_body():
    headers = signed_headers()
    refused = CountingWrite(fail_with=ApiError(status=403, code="SIGNER_NOT_OWNER", message="not yours"))
    assert refusal(lambda: send(headers, refused, {"agentId": "6"})).error_code == "SIGNER_NOT_OWNER"
    write = CountingWrite()
    assert send(headers, write, {"agentId": "5"}).status_code == 201
    assert refusal(lambda: send(headers, write, {"agentId": "6"})).error_code == "WALLET_SIGNATURE_REPLAYED"


def test_a_returned_error_answer_is_not_remembered():
    headers, runs = signed_headers(), []

    def unavailable(signer):
        runs.append(signer)
        return Response({"success": False}, status=503)

    assert send(headers, unavailable).status_code == 503
    assert send(headers, unavailable).status_code == 503
    assert len(runs) == 2


def test_a_replay_after_the_timestamp_window_is_stale_not_answered():
    timestamp = int(time.time() * 1000)
    headers, write = signed_headers(timestamp), CountingWrite()
    send(headers, write)
    later = request(headers)
    error = refusal(
        lambda: wallet_signed_write(
            later, scope="offers", job_id="7", write=write, accept_seed_message=True, now_ms=timestamp + 6 * 60_000
        )
    )
    assert error.error_code == "WALLET_TIMESTAMP_STALE"
    assert write.runs == 1


def test_two_identical_requests_at_once_run_the_write_once_and_both_get_its_answer():
    headers, runs, answers = signed_headers(), [], {}
    running, finish = threading.Event(), threading.Event()

    def slow_write(signer):
        runs.append(signer)
        running.set()
        finish.wait(timeout=5)
        return Response({"run": len(runs)}, status=201)

    def sender(name):
        return threading.Thread(target=lambda: answers.__setitem__(name, send(headers, slow_write)))

    first, second = sender("first"), sender("second")
    first.start()
    assert running.wait(timeout=5)
    second.start()
    time.sleep(0.3)  # the second is now polling the first one's claim
    finish.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert len(runs) == 1
    assert {name: (a.status_code, a.data) for name, a in answers.items()} == {
        "first": (201, {"run": 1}),
        "second": (201, {"run": 1}),
    }


def test_an_identical_request_still_running_after_the_wait_is_a_409(monkeypatch):
    monkeypatch.setattr(wallet_auth, "IN_PROGRESS_WAIT_SECONDS", 0.2)
    headers, inner = signed_headers(), []

    def write(signer):
        inner.append(refusal(lambda: send(headers, CountingWrite())))
        return Response({"ok": True}, status=201)

    send(headers, write)
    assert (inner[0].status_code, inner[0].error_code) == (409, "WALLET_REQUEST_IN_PROGRESS")
    assert send(headers, CountingWrite()).data == {"ok": True}
