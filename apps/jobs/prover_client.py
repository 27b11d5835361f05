"""The one client of the prover service (`PROVER_URL`). Only this module knows its URLs, timeouts
and retries.

No prover specification exists in this repository, so the backend speaks this small dialect and a
prover is expected to implement it:

``POST {PROVER_URL}/proofs`` with JSON::

    {"jobId": "7", "strategyType": "PROGRAM", "deliverableHash": "0x…",
     "programHash": "0x…", "rubricHash": "0x…", "callbackRef": "<proof request id>"}

answers ``202 {"proofId": "…"}``. A CEX_CAPITAL request also carries ``"cex"``, the attested
evidence the circuit proves the verdict from (apps/tee/evidence.py; the fields are documented in
prover/statements.py). ``callbackRef`` is an idempotency key: submitting the same
reference twice must return the same ``proofId`` (a retried request may reach the prover twice).
A 4xx answer means the prover refuses the job; its ``{"error": "…"}`` (or text body) is kept.

``GET {PROVER_URL}/proofs/{proofId}`` answers
``{"state": "PROVING" | "READY" | "FAILED", "proof": "0x…", "publicInputs": "0x…", "error": "…"}``;
``proof`` and ``publicInputs`` are required once READY, ``error`` when FAILED; ``provingMs``, when
present, is how long the proof took. The prover in this repository is ``python -m prover``. A 404 means the
prover no longer knows the proof.

Connection errors, timeouts and 5xx answers are retried a few times with exponential backoff,
then raised as `ProverUnavailable`; refusals as `ProverRejected`. An answer that breaks the
dialect is treated as the prover being unavailable (it is retried later), never as a proof.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5  # doubled after each failed attempt


class ProverError(Exception):
    pass


class ProverUnavailable(ProverError):
    """The prover could not be reached or failed on its side; asking again later may succeed."""


class ProverRejected(ProverError):
    """The prover refused the request; asking again will not help."""


@dataclass(frozen=True)
class ProofStatus:
    state: str  # PROVING, READY or FAILED
    proof: str = ""
    public_inputs: str = ""
    error: str = ""
    proving_ms: int | None = None


PROVER_STATES = {"PROVING", "READY", "FAILED"}


def _is_hex(value: Any) -> bool:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) <= 2:
        return False
    try:
        bytes.fromhex(value[2:])
    except ValueError:
        return False
    return True


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:1000] or f"HTTP {response.status_code}"
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])[:1000]
    return str(body)[:1000]


class ProverClient:
    def __init__(self, *, base_url: str, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProverClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        last_error = ""
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("Prover %s %s failed (attempt %d): %s", method, path, attempt + 1, last_error)
                continue
            if response.status_code >= 500:
                last_error = f"HTTP {response.status_code}: {_error_text(response)}"
                logger.warning("Prover %s %s failed (attempt %d): %s", method, path, attempt + 1, last_error)
                continue
            if response.status_code >= 400:
                raise ProverRejected(_error_text(response))
            return response
        raise ProverUnavailable(last_error)

    def submit(
        self,
        *,
        job_id: int,
        strategy_type: str,
        deliverable_hash: str,
        program_hash: str,
        rubric_hash: str,
        callback_ref: str,
        cex: dict[str, Any] | None = None,
    ) -> str:
        """Asks for a proof of the job's evaluation; returns the prover's proof id."""
        body: dict[str, Any] = {
            "jobId": str(job_id),
            "strategyType": strategy_type,
            "deliverableHash": deliverable_hash,
            "programHash": program_hash,
            "rubricHash": rubric_hash,
            "callbackRef": callback_ref,
        }
        if cex is not None:
            body["cex"] = cex
        response = self._request("POST", "/proofs", json=body)
        try:
            proof_id = response.json().get("proofId")
        except (ValueError, AttributeError):
            proof_id = None
        if not isinstance(proof_id, str) or not proof_id or len(proof_id) > 128:
            raise ProverUnavailable(f"the prover's answer has no usable proofId: {response.text[:200]}")
        return proof_id

    def status(self, proof_id: str) -> ProofStatus:
        response = self._request("GET", f"/proofs/{proof_id}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("state") not in PROVER_STATES:
            raise ProverUnavailable(f"the prover's answer has no known state: {response.text[:200]}")
        state = body["state"]
        if state == "READY" and not (_is_hex(body.get("proof")) and _is_hex(body.get("publicInputs"))):
            # A READY answer without the proof itself is not a proof.
            raise ProverUnavailable("the prover says READY but returned no proof")
        if state == "READY":
            ms = body.get("provingMs")
            return ProofStatus(
                state=state,
                proof=body["proof"],
                public_inputs=body["publicInputs"],
                proving_ms=ms if isinstance(ms, int) and not isinstance(ms, bool) and ms >= 0 else None,
            )
        if state == "FAILED":
            return ProofStatus(state=state, error=str(body.get("error") or "the prover gave no reason")[:1000])
        return ProofStatus(state=state)


def prover_client() -> ProverClient | None:
    """The configured prover, or None when `PROVER_URL` is empty."""
    if not settings.PROVER_URL:
        return None
    return ProverClient(base_url=settings.PROVER_URL, timeout=settings.PROVER_TIMEOUT_SECONDS)
