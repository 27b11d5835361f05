"""Verifying an enclave's hardware quote (TDX or SGX, DCAP) with dcap-qvl.

The one client of Intel's attestation collateral: only this module knows TEE_PCCS_URL and its
timeout. A quote is judged in four steps, and every way it can fail is an answer, never an
exception, because a user asking "is this enclave real?" needs to read why not:

1. no quote at all (the dev gateway): `no_quote`, saying plainly that no hardware is attested;
2. the bytes are not a DCAP quote: `invalid`;
3. the quote's report data does not hold sha256 of the attested public key, so the quote may be
   real but says nothing about this key: `invalid`;
4. the collateral (TCB info, QE identity, CRLs, the PCK chain) cannot be had, because no PCCS is
   configured or it did not answer: `unverifiable`, since nothing has been disproved either;
5. dcap-qvl checks the signatures, the certificate chain to Intel's root and the TCB level:
   a failure is `invalid`, success is `valid` with the TCB status and Intel's advisories, except
   a `Revoked` platform, which is `invalid`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import dcap_qvl
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuoteCheck:
    verdict: str  # "valid" | "invalid" | "unverifiable" | "no_quote"
    detail: str
    tcb_status: str | None = None
    advisory_ids: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "detail": self.detail,
            "tcb_status": self.tcb_status,
            "advisory_ids": list(self.advisory_ids),
        }


def _first_line(exc: BaseException) -> str:
    # dcap-qvl's errors carry a Rust cause chain over several lines; the first and the last say it.
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and line.strip() != "Caused by:"]
    if not lines:
        return type(exc).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} ({lines[-1]})"


def _decode(quote_hex: str) -> bytes | None:
    try:
        return bytes.fromhex(quote_hex.removeprefix("0x"))
    except ValueError:
        return None


def _bound_to(parsed: Any, tee_pubkey: str) -> bool:
    expected = hashlib.sha256(bytes.fromhex(tee_pubkey.removeprefix("0x"))).digest()
    return bytes(parsed.report.report_data)[:32] == expected


def _fetch_collateral(raw: bytes) -> Any:
    async def fetch() -> Any:
        return await dcap_qvl.get_collateral(settings.TEE_PCCS_URL, raw)

    return asyncio.run(asyncio.wait_for(fetch(), timeout=settings.TEE_PCCS_TIMEOUT_SECONDS))


def check_quote(
    *, quote_hex: str | None, tee_pubkey: str, collateral: Any = None, now: int | None = None
) -> QuoteCheck:
    """What a quote proves about the enclave holding `tee_pubkey` (see the module docstring).

    `collateral` is fetched from TEE_PCCS_URL when not given; `now` (Unix seconds) is the time the
    collateral's validity is judged at."""
    if not quote_hex:
        return QuoteCheck("no_quote", "the gateway has no hardware quote (dev attestation): nothing to verify")
    raw = _decode(quote_hex)
    if raw is None:
        return QuoteCheck("invalid", "the quote is not hex")
    try:
        parsed = dcap_qvl.parse_quote(raw)
    except ValueError as exc:
        return QuoteCheck("invalid", f"not a TDX or SGX quote: {_first_line(exc)}")
    if not _bound_to(parsed, tee_pubkey):
        return QuoteCheck("invalid", "the quote's report data is not sha256 of the attested public key")
    if collateral is None:
        if not settings.TEE_PCCS_URL:
            return QuoteCheck(
                "unverifiable", "no PCCS is configured (TEE_PCCS_URL), so the quote's collateral cannot be fetched"
            )
        try:
            collateral = _fetch_collateral(raw)
        except TimeoutError:
            return QuoteCheck("unverifiable", f"the PCCS at {settings.TEE_PCCS_URL} did not answer in time")
        except (ValueError, RuntimeError) as exc:
            logger.warning("TEE quote collateral unavailable: %s", _first_line(exc))
            return QuoteCheck("unverifiable", f"collateral unavailable: {_first_line(exc)}")
    try:
        report = dcap_qvl.verify(raw, collateral, int(now if now is not None else time.time()))
    except ValueError as exc:
        return QuoteCheck("invalid", f"quote verification failed: {_first_line(exc)}")
    advisories = tuple(report.advisory_ids)
    if report.status == "Revoked":
        return QuoteCheck("invalid", "the platform's key is revoked", report.status, advisories)
    return QuoteCheck("valid", "quote verified against Intel's collateral", report.status, advisories)
