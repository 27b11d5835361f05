"""Readiness checks. An app adds its own with `register_readiness_check` in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from django.conf import settings
from django.db import connection

# Raises when the part is not ready; may return what a reader of the probe wants to know about
# it (the chain node's head and the indexer's lag), shown under the part's name in `details`.
ReadinessCheck = Callable[[], Mapping[str, Any] | None]
_checks: dict[str, ReadinessCheck] = {}


class NotReady(Exception):
    """A failed check that still has details to report (the indexer's lag while the node is down)."""

    def __init__(self, reason: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # part -> "ok" | "error: ..."
    details: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return sorted(name for name, result in self.checks.items() if result != "ok")


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    _checks[name] = check


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=settings.PROBE_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def http_check(url: str) -> ReadinessCheck:
    def check() -> None:
        httpx.get(url, timeout=settings.PROBE_TIMEOUT_SECONDS).raise_for_status()

    return check


def readiness() -> Readiness:
    """Every check's result (the database, Redis and each registered part) and their details."""
    report = Readiness()
    for name, check in {"database": _database, "redis": _redis, **_checks}.items():
        try:
            details = check()
            report.checks[name] = "ok"
        except NotReady as exc:
            details = exc.details
            report.checks[name] = f"error: {exc.reason}"
        except Exception as exc:  # a probe reports any failure; it never raises
            details = None
            report.checks[name] = f"error: {type(exc).__name__}"
        if details:
            report.details[name] = details
    return report


def run_readiness_checks() -> dict[str, str]:
    """`{part: "ok" | "error: ..."}` for the database, Redis and every registered check."""
    return readiness().checks


def register_configured_checks() -> None:
    if settings.TEE_GATEWAY_URL:
        register_readiness_check("tee_gateway", http_check(settings.TEE_GATEWAY_URL.rstrip("/") + "/health"))
    if settings.PROVER_URL:
        register_readiness_check("prover", http_check(settings.PROVER_URL.rstrip("/") + "/health"))
    # Seed 003: readiness "checks DB + sidecar"; no sidecar configured is no sidecar to wait for.
    if settings.SIDECAR_URL:
        register_readiness_check("sidecar", http_check(settings.SIDECAR_URL.rstrip("/") + "/health"))
