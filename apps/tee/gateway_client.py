"""The one client of the TEE gateway (the dev gateway, tee_gateway/, or a real enclave's).

Only this module knows TEE_GATEWAY_URL and the timeouts. Every call is bounded: a connect
timeout and a read timeout (TEE_GATEWAY_CONNECT_TIMEOUT_SECONDS, TEE_GATEWAY_TIMEOUT_SECONDS),
and nothing is retried: a POST may have reached the enclave (an order filled), so repeating it is
the client's decision, with a new nonce. A gateway that cannot be reached is a 502, one too slow
a 504, in the agent-jobs envelope; whatever the gateway answers is passed on as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from apps.core.errors import ApiError
from apps.core.probes import NotReady

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayAnswer:
    status: int
    body: Any


def _timeout(limit: float | None = None) -> httpx.Timeout:
    # `limit` caps both: a page that shows the gateway's status (the job page) waits at most
    # that long, while the API keeps the longer read timeout an order fill may need.
    connect = settings.TEE_GATEWAY_CONNECT_TIMEOUT_SECONDS
    read = settings.TEE_GATEWAY_TIMEOUT_SECONDS
    if limit is not None:
        connect, read = min(connect, limit), min(read, limit)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _base_url() -> str:
    if not settings.TEE_GATEWAY_URL:
        raise ApiError(status=503, code="TEE_NOT_CONFIGURED", message="No TEE gateway is configured (TEE_GATEWAY_URL).")
    return settings.TEE_GATEWAY_URL.rstrip("/")


def _call(method: str, path: str, *, body: Any = None, timeout: float | None = None) -> GatewayAnswer:
    url = _base_url() + path
    try:
        response = httpx.request(method, url, json=body, timeout=_timeout(timeout))
    except httpx.TimeoutException as exc:
        logger.warning("TEE gateway timed out: %s %s (%s)", method, path, type(exc).__name__)
        raise ApiError(
            status=504, code="TEE_GATEWAY_TIMEOUT", message="The TEE gateway did not answer in time."
        ) from exc
    except httpx.HTTPError as exc:
        logger.warning("TEE gateway unreachable: %s %s (%s)", method, path, type(exc).__name__)
        raise ApiError(
            status=502, code="TEE_GATEWAY_UNAVAILABLE", message="The TEE gateway cannot be reached."
        ) from exc
    try:
        payload = response.json()
    except ValueError as exc:
        raise ApiError(
            status=502,
            code="TEE_GATEWAY_BAD_RESPONSE",
            message=f"The TEE gateway answered {response.status_code} without JSON.",
        ) from exc
    return GatewayAnswer(status=response.status_code, body=payload)


def attestation(*, timeout: float | None = None) -> GatewayAnswer:
    return _call("GET", "/attestation", timeout=timeout)


@dataclass(frozen=True)
class AttestedKey:
    tee_pubkey: str
    attestation_type: str | None
    # The hardware quote (hex) bound to the key, when the gateway runs on one (dstack); None for dev.
    quote: str | None = None


def attested_key(*, timeout: float | None = None) -> AttestedKey | None:
    """The enclave's attested public key, or None when the gateway's answer does not carry one.
    Raises ApiError (502/503/504) as every call here does when the gateway is down or slow."""
    answer = attestation(timeout=timeout)
    body = answer.body if answer.status == 200 and isinstance(answer.body, dict) else {}
    pubkey = body.get("tee_pubkey")
    if not isinstance(pubkey, str):
        return None
    quote = body.get("quote")
    return AttestedKey(pubkey, body.get("attestation_type"), quote if isinstance(quote, str) else None)


def init_job(body: dict[str, Any]) -> GatewayAnswer:
    return _call("POST", "/jobs", body=body)


def place_order(job_id: str, body: Any) -> GatewayAnswer:
    return _call("POST", f"/jobs/{job_id}/orders", body=body)


def status(job_id: str, *, timeout: float | None = None) -> GatewayAnswer:
    return _call("GET", f"/jobs/{job_id}/status", timeout=timeout)


def readiness_check() -> dict[str, Any]:
    """The readiness probe's check: the gateway answers /health within the probe timeout."""
    url = _base_url() + "/health"
    try:
        response = httpx.get(url, timeout=settings.PROBE_TIMEOUT_SECONDS)
        response.raise_for_status()
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise NotReady(f"TEE gateway at {settings.TEE_GATEWAY_URL}: {type(exc).__name__}") from exc
    return {"url": settings.TEE_GATEWAY_URL, "attestationType": answer.get("attestation_type")}
