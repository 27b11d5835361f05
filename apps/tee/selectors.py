"""Reads of the TEE for pages: a CEX_CAPITAL job's live status as the job page shows it.

Only gateway_client reaches the gateway, and verification checks the enclave signature; this
turns their answers (or their failures) into what a person reads. A page must render whatever the
gateway does, so nothing here raises: a gateway that is down, slow, unconfigured or answering
nonsense becomes a sentence on the card, never a 500 or a stack trace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from apps.core.errors import ApiError
from apps.tee import gateway_client
from apps.tee.verification import verify_report

logger = logging.getLogger(__name__)

# What the card says when it has no status to show; `availability` names the case for templates/tests.
NOT_CONFIGURED = "No TEE gateway is configured (TEE_GATEWAY_URL), so the live status cannot be shown."
UNREACHABLE = "TEE gateway unreachable: the live status cannot be shown right now."
TIMED_OUT = "TEE gateway unreachable: it did not answer in time."
NOT_INITIALISED = "This job is not initialised in the TEE yet."
DEV_ATTESTATION = "dev: no hardware quote"


@dataclass(frozen=True)
class Position:
    symbol: str
    quantity: str
    mark_price: str | None
    value: str | None  # quantity times mark price, in the quote currency (USDT), when the report gives a mark


@dataclass(frozen=True)
class TeePanel:
    availability: str  # "ok", "not_configured", "unreachable", "not_initialised" or "error"
    message: str = ""
    state: str | None = None  # running / closed
    closed_reason: str | None = None
    usdt_balance: str | None = None
    equity: str | None = None
    starting_capital: str | None = None
    positions: list[Position] = field(default_factory=list)
    verified: bool | None = None  # None: the attested key could not be read, so nothing was checked
    attestation_type: str | None = None
    attestation_label: str | None = None


def _decimal(raw: Any) -> Decimal | None:
    """A number from the report (decimal strings there), or None; never a float."""
    try:
        return Decimal(str(raw)) if raw is not None else None
    except InvalidOperation:
        return None


def _money(raw: Any) -> str | None:
    """An amount for people: the report's own decimals, with thousands separators."""
    value = _decimal(raw)
    return format(value, ",f") if value is not None else None


def _positions(report: dict[str, Any]) -> list[Position]:
    out = []
    for item in report.get("positions") or []:
        if not isinstance(item, dict) or "symbol" not in item:
            continue
        quantity, mark = _decimal(item.get("quantity")), _decimal(item.get("mark_price"))
        value = _decimal(item.get("value"))
        if value is None and quantity is not None and mark is not None:
            value = (quantity * mark).quantize(Decimal("0.01"))
        out.append(
            Position(
                symbol=str(item["symbol"]),
                quantity=format(quantity, "f") if quantity is not None else "—",
                mark_price=_money(mark),
                value=_money(value),
            )
        )
    return out


def _attestation_label(kind: str | None) -> str | None:
    if kind == "dev":
        return DEV_ATTESTATION
    return kind


def _verification(status: dict[str, Any], *, timeout: float) -> tuple[bool | None, str | None]:
    """(the enclave signature checks out against the attested key, the attestation type)."""
    try:
        attested = gateway_client.attested_key(timeout=timeout)
    except ApiError:
        attested = None
    if attested is None:
        return None, status.get("attestation_type")
    kind = attested.attestation_type or status.get("attestation_type")
    return verify_report(status, tee_pubkey=attested.tee_pubkey), kind


def tee_panel(*, job_id: int, timeout: float | None = None) -> TeePanel:
    """The job's live TEE status for its page, within `timeout` seconds per gateway call
    (PROBE_TIMEOUT_SECONDS by default: a page waits no longer than a readiness probe)."""
    limit = settings.PROBE_TIMEOUT_SECONDS if timeout is None else timeout
    if not settings.TEE_GATEWAY_URL:
        return TeePanel(availability="not_configured", message=NOT_CONFIGURED)
    try:
        answer = gateway_client.status(str(job_id), timeout=limit)
    except ApiError as exc:
        # gateway_client has logged the cause; the page only says what a person can act on.
        message = TIMED_OUT if exc.error_code == "TEE_GATEWAY_TIMEOUT" else UNREACHABLE
        return TeePanel(availability="unreachable", message=message)
    if answer.status == 404:
        return TeePanel(availability="not_initialised", message=NOT_INITIALISED)
    body = answer.body if isinstance(answer.body, dict) else None
    if answer.status != 200 or body is None:
        logger.warning("TEE gateway answered %s for job %s's status", answer.status, job_id)
        return TeePanel(availability="error", message=f"The TEE gateway answered {answer.status}; no status to show.")
    report = body.get("balance_report") if isinstance(body.get("balance_report"), dict) else {}
    verified, kind = _verification(body, timeout=limit)
    return TeePanel(
        availability="ok",
        state=body.get("state"),
        closed_reason=body.get("closed_reason"),
        usdt_balance=_money(report.get("usdt_balance")),
        equity=_money(report.get("equity")),
        starting_capital=_money(report.get("starting_capital")),
        positions=_positions(report),
        verified=verified,
        attestation_type=kind,
        attestation_label=_attestation_label(kind),
    )
