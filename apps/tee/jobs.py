"""The rules a TEE job init must pass before it is forwarded to the gateway (seed 000).

Checked against the indexed job (the chain follower's projection of ACPCore): the signer is the
job's client, the job is CEX_CAPITAL and FUNDED, it has a provider, and `deadline` is the
chain's. What the gateway then gets, besides the client's fields, is what was verified here:
the provider's address (whose signature its orders need) and the starting capital (USDC).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from apps.core.errors import ApiError
from apps.jobs.models import Job, JobStatus, StrategyType

USDC_UNIT = Decimal(10**6)
MAX_STORED_ID = 2**63 - 1
_DECIMAL = re.compile(r"^[0-9]{1,78}$")
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


def parse_tee_job_id(raw: object, *, name: str = "jobId") -> int:
    """Seed 000 writes a job id as bytes32 hex, seeds 001/002 as the contract's decimal id; both
    mean the same job (the bytes32 is the id as a 32-byte big-endian integer). Else a 400."""
    if isinstance(raw, str) and _BYTES32.match(raw):
        return int(raw, 16)
    if isinstance(raw, str) and _DECIMAL.match(raw) and int(raw) < 2**256:
        return int(raw)
    raise ApiError(status=400, code="VALIDATION_ERROR", message=f"{name} must be a decimal id or a bytes32 hex string.")


def checked_init_body(*, signer: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    """The body to forward to the gateway, or the ApiError of the first rule the init breaks."""
    job = (
        Job.objects.select_related("client", "provider").filter(job_id=number).first()
        if number <= MAX_STORED_ID
        else None
    )
    if job is None:
        raise ApiError(status=404, code="JOB_NOT_FOUND", message=f"Job {number} does not exist.")
    if signer.lower() != job.client.owner_address.lower():
        raise ApiError(status=403, code="NOT_JOB_CLIENT", message="Only the job's client can initialise its TEE task.")
    if job.strategy_type != StrategyType.CEX_CAPITAL:
        raise ApiError(
            status=409,
            code="NOT_CEX_CAPITAL",
            message=f"Job {number} is {job.strategy_type}; TEE tasks are for CEX_CAPITAL.",
        )
    if job.status != JobStatus.FUNDED:
        raise ApiError(status=409, code="JOB_NOT_FUNDED", message=f"Job {number} is {job.status}; it must be FUNDED.")
    if job.provider is None or job.cex_capital is None:
        raise ApiError(status=409, code="JOB_NOT_READY", message=f"Job {number} has no provider or capital on chain.")
    if body["deadline"] != job.onchain_deadline:
        raise ApiError(
            status=400,
            code="DEADLINE_MISMATCH",
            message=f"deadline {body['deadline']} is not the job's on-chain deadline {job.onchain_deadline}.",
        )
    return {
        "job_id": str(number),
        "encrypted_api_key": body["encrypted_api_key"],
        "params": body["params"],
        "deadline": body["deadline"],
        "provider_address": job.provider.owner_address,
        "starting_capital": format(Decimal(int(job.cex_capital)) / USDC_UNIT, "f"),
    }
