"""Proof requests against a prover.

The prover here is a STAND-IN: a tiny `http.server` on 127.0.0.1, in a thread, speaking the dialect
documented in apps/jobs/prover_client.py. The real prover is a service no one can run here; the
stand-in only records what the backend sends and answers per scenario, and the proof bytes it
returns are placeholders that never leave the test.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from apps.jobs import proofs, prover_client
from apps.jobs.models import ProofRequest, ProofState
from apps.jobs.proofs import refresh_proof_state, submit_proof_request
from apps.jobs.prover_client import ProverRejected, ProverUnavailable
from apps.jobs.tasks import poll_proofs, refresh_proof, request_proof
from tests.jobs.api.factories import JobFactory, ProofRequestFactory
from tests.jobs.projection import conftest as projection

index = projection.index  # the follower fixture the projection tests use

DELIVERABLE = "0x" + "ab" * 32
PROGRAM = "0x" + "cd" * 32


@dataclass
class StandInProver:
    url: str = ""
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    # (status, body) answered to POST /proofs and GET /proofs/<id>
    post_answer: tuple[int, Any] = (202, {"proofId": "proof-1"})
    get_answer: tuple[int, Any] = (200, {"state": "PROVING"})


@pytest.fixture
def prover(settings) -> Iterator[StandInProver]:
    stand_in = StandInProver()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            stand_in.requests.append(("POST", self.path, json.loads(self.rfile.read(length) or b"null")))
            self._answer(*stand_in.post_answer)

        def do_GET(self) -> None:
            stand_in.requests.append(("GET", self.path, None))
            self._answer(*stand_in.get_answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PROVER_URL = stand_in.url
    settings.PROVER_TIMEOUT_SECONDS = 2.0
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(prover_client, "BACKOFF_SECONDS", 0)


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def pending(db) -> ProofRequest:
    job = JobFactory(deliverable_hash=DELIVERABLE, program_hash=PROGRAM)
    return ProofRequestFactory(job=job, state=ProofState.PENDING)


def test_an_accepted_request_is_proving_with_the_provers_reference(prover, pending):
    proof = submit_proof_request(proof_request_id=pending.pk)

    assert (proof.state, proof.prover_reference, proof.error) == (ProofState.PROVING, "proof-1", "")
    assert prover.requests == [
        (
            "POST",
            "/proofs",
            {
                "jobId": str(pending.job.job_id),
                "strategyType": "PROGRAM",
                "deliverableHash": DELIVERABLE,
                "programHash": PROGRAM,
                "rubricHash": "",
                "callbackRef": str(pending.pk),
            },
        )
    ]


def test_a_proving_request_becomes_ready_when_the_prover_has_the_proof(prover, pending):
    submit_proof_request(proof_request_id=pending.pk)
    assert refresh_proof_state(proof_request_id=pending.pk).state == ProofState.PROVING

    ready = {"state": "READY", "proof": "0x" + "01" * 256, "publicInputs": "0x" + "02" * 64, "provingMs": 812}
    prover.get_answer = (200, ready)
    proof = refresh_proof_state(proof_request_id=pending.pk)

    assert (proof.state, proof.prover_reference) == (ProofState.READY, "proof-1")
    assert prover.requests[-1] == ("GET", "/proofs/proof-1", None)
    proof.refresh_from_db()
    assert (proof.proof, proof.public_inputs, proof.proving_ms) == (ready["proof"], ready["publicInputs"], 812)


def test_ready_without_the_proof_bytes_is_never_taken_as_a_proof(prover, pending):
    submit_proof_request(proof_request_id=pending.pk)
    prover.get_answer = (200, {"state": "READY"})

    with pytest.raises(ProverUnavailable):
        refresh_proof_state(proof_request_id=pending.pk)

    assert ProofRequest.objects.get(pk=pending.pk).state == ProofState.PROVING


def test_a_proof_the_prover_fails_is_failed_with_its_reason(prover, pending):
    submit_proof_request(proof_request_id=pending.pk)
    prover.get_answer = (200, {"state": "FAILED", "error": "trace too long"})

    proof = refresh_proof_state(proof_request_id=pending.pk)

    assert (proof.state, proof.error) == (ProofState.FAILED, "trace too long")


def test_a_rejected_request_is_failed_with_the_provers_error(prover, pending):
    prover.post_answer = (422, {"error": "unknown strategy"})

    proof = submit_proof_request(proof_request_id=pending.pk)

    assert (proof.state, proof.error, proof.prover_reference) == (ProofState.FAILED, "unknown strategy", "")
    assert ProofRequest.objects.get(pk=pending.pk).state == ProofState.FAILED


def test_a_prover_answering_503_leaves_the_request_pending_after_bounded_retries(prover, pending):
    prover.post_answer = (503, {"error": "busy"})

    with pytest.raises(ProverUnavailable, match="503"):
        submit_proof_request(proof_request_id=pending.pk)

    assert len(prover.requests) == prover_client.ATTEMPTS
    assert ProofRequest.objects.get(pk=pending.pk).state == ProofState.PENDING


def test_an_unreachable_prover_leaves_the_request_pending(settings, closed_port_url, pending):
    settings.PROVER_URL = closed_port_url

    with pytest.raises(ProverUnavailable, match="ConnectError"):
        submit_proof_request(proof_request_id=pending.pk)

    assert ProofRequest.objects.get(pk=pending.pk).state == ProofState.PENDING


def test_the_task_schedules_a_retry_when_the_prover_is_down(settings, closed_port_url, pending):
    settings.PROVER_URL = closed_port_url

    with mock.patch.object(request_proof, "retry", side_effect=RuntimeError("retry scheduled")) as retry:
        result = request_proof.apply(args=[pending.pk])

    assert retry.call_count == 1
    assert isinstance(retry.call_args.kwargs["exc"], ProverUnavailable)
    assert result.failed()
    assert ProofRequest.objects.get(pk=pending.pk).state == ProofState.PENDING


def test_the_task_submits_a_pending_request(prover, pending):
    assert request_proof.apply(args=[pending.pk]).get() == ProofState.PROVING


def test_a_request_already_sent_is_not_sent_again(prover, pending):
    submit_proof_request(proof_request_id=pending.pk)
    submit_proof_request(proof_request_id=pending.pk)

    assert [method for method, _, _ in prover.requests] == ["POST"]


def test_without_a_prover_nothing_is_sent_and_the_request_is_not_configured(settings, pending):
    settings.PROVER_URL = ""
    with mock.patch("httpx.Client.request") as request:
        proof = submit_proof_request(proof_request_id=pending.pk)

    assert proof.state == ProofState.NOT_CONFIGURED
    request.assert_not_called()


def test_a_not_configured_request_is_left_alone(prover, db):
    proof = ProofRequestFactory(state=ProofState.NOT_CONFIGURED)

    assert submit_proof_request(proof_request_id=proof.pk).state == ProofState.NOT_CONFIGURED
    assert prover.requests == []


def test_a_prover_unavailable_during_refresh_keeps_the_request_proving(prover, pending):
    submit_proof_request(proof_request_id=pending.pk)
    prover.get_answer = (500, {"error": "oops"})

    assert refresh_proof.apply(args=[pending.pk]).get() == ProofState.PROVING
    assert ProofRequest.objects.get(pk=pending.pk).state == ProofState.PROVING


def test_a_proof_the_prover_forgot_is_failed(prover, pending):
    submit_proof_request(proof_request_id=pending.pk)
    prover.get_answer = (404, {"error": "no such proof"})

    assert refresh_proof_state(proof_request_id=pending.pk).state == ProofState.FAILED


def test_poll_proofs_refreshes_only_proving_requests(db):
    proving = ProofRequestFactory(state=ProofState.PROVING, prover_reference="p")
    ProofRequestFactory(state=ProofState.PENDING)
    ProofRequestFactory(state=ProofState.READY, prover_reference="q")

    with mock.patch.object(refresh_proof, "delay") as delay:
        assert poll_proofs() == 1

    delay.assert_called_once_with(proving.pk)


def test_the_client_rejects_a_4xx_with_a_text_body(prover):
    prover.post_answer = (400, "bad request")
    client = prover_client.prover_client()
    assert client is not None

    with client, pytest.raises(ProverRejected, match="bad request"):
        client.submit(
            job_id=1,
            strategy_type="RUBRIC",
            deliverable_hash=DELIVERABLE,
            program_hash="",
            rubric_hash=PROGRAM,
            callback_ref="1",
        )


def test_indexing_evaluate_enqueues_the_proof_request_on_commit(
    chain, index, settings, evaluating_job, django_capture_on_commit_callbacks
):
    settings.PROVER_URL = "http://prover.invalid"

    with mock.patch.object(request_proof, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            index()
        send.assert_not_called()  # nothing is sent before the follower's transaction commits
        for callback in callbacks:
            callback()

    proof = ProofRequest.objects.get(job__job_id=evaluating_job)
    assert proof.state == ProofState.PENDING
    send.assert_called_once_with(args=[proof.pk], countdown=None)


def test_indexing_evaluate_without_a_prover_enqueues_nothing(
    chain, index, settings, evaluating_job, django_capture_on_commit_callbacks
):
    settings.PROVER_URL = ""

    with mock.patch.object(request_proof, "apply_async") as send, django_capture_on_commit_callbacks(execute=True):
        index()

    assert ProofRequest.objects.get(job__job_id=evaluating_job).state == ProofState.NOT_CONFIGURED
    send.assert_not_called()


def test_a_request_whose_send_was_lost_is_sent_again_by_the_poll(
    prover, pending, settings, django_capture_on_commit_callbacks
):
    """A request stays PENDING when its task never reached the broker; the poll sends it again."""
    fresh = ProofRequestFactory(job=JobFactory(), state=ProofState.PENDING)
    stalled_at = timezone.now() - proofs.RESEND_PENDING_AFTER - timedelta(minutes=1)
    ProofRequest.objects.filter(pk=pending.pk).update(updated_at=stalled_at)
    settings.CELERY_TASK_ALWAYS_EAGER = True

    with django_capture_on_commit_callbacks(execute=True):
        poll_proofs()
    with django_capture_on_commit_callbacks(execute=True):
        poll_proofs()  # now PROVING: followed, not submitted again

    pending.refresh_from_db()
    fresh.refresh_from_db()
    assert (pending.state, pending.prover_reference) == (ProofState.PROVING, "proof-1")
    assert fresh.state == ProofState.PENDING
    # One submit; the second poll only asks how the now PROVING request is doing.
    assert [method for method, *_ in prover.requests] == ["POST", "GET"]
