"""Readiness checks. An app adds its own with `register_readiness_check` in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import redis
from django.conf import settings
from django.db import connection

ReadinessCheck = Callable[[], None]  # raises when the part is not ready
_checks: dict[str, ReadinessCheck] = {}


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


def run_readiness_checks() -> dict[str, str]:
    """`{part: "ok" | "error: ..."}` for the database, Redis and every registered check."""
    results: dict[str, str] = {}
    for name, check in {"database": _database, "redis": _redis, **_checks}.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # a probe reports any failure; it never raises
            results[name] = f"error: {type(exc).__name__}"
    return results


def register_configured_checks() -> None:
    if settings.TEE_GATEWAY_URL:
        register_readiness_check("tee_gateway", http_check(settings.TEE_GATEWAY_URL.rstrip("/") + "/health"))
