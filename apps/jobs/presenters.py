"""The agent-jobs API's job objects, built from the selectors' rows (apps/jobs/selectors.py).

Each function writes exactly what its serializer in apps/jobs/serializers.py documents, key for
key and in the same order (tests/jobs/api/test_presenters.py holds the two together); the
serializers stay as the OpenAPI schema. Raw amounts, ids, block numbers and unix times are
decimal strings through `int` (a NUMERIC can read back as `1E+8`); times ISO-8601 UTC with a `Z`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from apps.core.fields import iso_z
from apps.core.rows import Row
from apps.jobs.models import StrategyType
from apps.jobs.selectors import lifecycle_steps


def _digits(value: Any) -> str | None:
    return None if value is None else str(int(value))


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _time(value: datetime | None) -> str | None:
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands back the stored UTC time without its zone
    return iso_z(value)


def _reputation(row: Row, prefix: str) -> dict[str, int]:
    return {
        "score": row[f"{prefix}reputation_score"],
        "totalJobs": row[f"{prefix}total_jobs"],
        "completedJobs": row[f"{prefix}completed_jobs"],
    }


def present_party(row: Row, prefix: str) -> dict[str, Any] | None:
    """The client or provider (`prefix` "client__" or "provider__"), or None."""
    if row[f"{prefix}agent_id"] is None:
        return None
    return {
        "agentId": str(row[f"{prefix}agent_id"]),
        "ownerAddress": row[f"{prefix}owner_address"],
        "name": row[f"{prefix}name"],
        "source": row[f"{prefix}source"],
        "reputation": _reputation(row, prefix),
        "stakingPool": {
            "available": _digits(row[f"{prefix}stake_available"]),
            "locked": _digits(row[f"{prefix}stake_locked"]),
        },
    }


def present_evaluator(row: Row, prefix: str = "evaluator__") -> dict[str, Any] | None:
    if row[f"{prefix}agent_id"] is None:
        return None
    strategy = row[f"{prefix}evaluator_strategy_type"]
    return {
        "agentId": str(row[f"{prefix}agent_id"]),
        "ownerAddress": row[f"{prefix}owner_address"],
        "source": row[f"{prefix}source"],
        "reputation": _reputation(row, prefix),
        "evaluatorCapability": {"strategyType": strategy} if strategy else None,
    }


def present_job_summary(row: Row) -> dict[str, Any]:
    """A job of the list (JobSummarySerializer) from a `job_summaries` or `job_detail_row` row."""
    job = {
        "jobId": str(row["job_id"]),
        "status": row["status"],
        "strategyType": row["strategy_type"],
        "clientId": str(row["client__agent_id"]),
        "providerId": _digits(row["provider__agent_id"]),
        "evaluatorId": _digits(row["evaluator__agent_id"]),
        "budget": _digits(row["budget"]),
        "escrowBalance": _digits(row["escrow_balance"]),
        "deliverableHash": row["deliverable_hash"] or None,
        "passed": _flag(row["passed"]),
        "platformFee": _digits(row["platform_fee"]),
        "evaluatorFee": _digits(row["evaluator_fee"]),
        "providerPayment": _digits(row["provider_payment"]),
        "onchainCreatedAt": str(row["onchain_created_at"]),
        "onchainDeadline": str(row["onchain_deadline"]),
        "onchainSubmittedAt": _digits(row["onchain_submitted_at"]),
        "onchainSettledAt": _digits(row["onchain_settled_at"]),
        "client": present_party(row, "client__"),
        "provider": present_party(row, "provider__"),
        "evaluator": present_evaluator(row),
    }
    if row["strategy_type"] == StrategyType.CEX_CAPITAL:  # the seed: "only present for CEX_CAPITAL jobs"
        job["cexConfig"] = {"stopLossBps": row["stop_loss_bps"], "targetReturnBps": row["target_return_bps"]}
    job["lifecycle"] = lifecycle_steps(row["lifecycle_events"])
    job["proof"] = {"state": row["proof_state"]} if row["proof_state"] is not None else None
    return job


def present_stake_lock(row: Row) -> dict[str, Any]:
    return {
        "agentId": str(row["agent_id"]),
        "role": row["role"],
        "amount": _digits(row["amount"]),
        "active": bool(row["active"]),
        "lockedAt": _time(row["locked_at"]),
        "releasedAt": _time(row["released_at"]),
    }


def present_snapshot(row: Row) -> dict[str, Any]:
    return {
        "reportedValue": _digits(row["reported_value"]),
        "snapshotTs": _time(row["snapshot_ts"]),
        "txHash": row["tx_hash"],
        "blockNumber": str(row["block_number"]),
    }


def present_offer(row: Row) -> dict[str, Any]:
    return {
        "agentId": str(row["agent_id"]),
        "ownerAddress": row["owner_address"],
        "status": row["status"],
        "createdAt": _time(row["created_at"]),
    }


def present_job_dispute(row: Row) -> dict[str, Any] | None:
    """The job's dispute (DisputeSerializer) from the `dispute__` columns of its detail row."""
    if row["dispute__dispute_id"] is None:
        return None
    return {
        "disputeId": str(row["dispute__dispute_id"]),
        "jobId": str(row["job_id"]),
        "status": "RESOLVED" if row["dispute__resolved"] else "OPEN",
        "openedBy": row["dispute__opened_by"],
        "openerId": str(row["dispute__opener_id"]),
        "fromStatus": row["dispute__from_status"],
        "reasonHash": row["dispute__reason_hash"],
        "collateral": _digits(row["dispute__collateral"]),
        "providerWins": _flag(row["dispute__provider_wins"]),
        "openedAt": _time(row["dispute__opened_at"]),
        "resolvedAt": _time(row["dispute__resolved_at"]),
    }


def present_job_detail(row: Row) -> dict[str, Any]:
    """The whole job object of GET /jobs/{jobId} (JobDetailSerializer) from a `job_detail_row`."""
    job = present_job_summary(row)
    job["stakeLocks"] = [present_stake_lock(lock) for lock in row["stake_locks"]]
    job["snapshots"] = [present_snapshot(snapshot) for snapshot in row["snapshots"]]
    job["dispute"] = present_job_dispute(row)
    job["offers"] = [present_offer(offer) for offer in row["offers"]]
    job["proof"] = present_proof(row)
    return job


def present_proof(row: Row) -> dict[str, Any] | None:
    """The detail's proof: its request state and the prover's time, the Groth16 proof and public
    inputs (0x hex; those the chain verified once settled, else the prover's), and `onChain`: the
    block and transaction of complete()/reject(), which only log them after verifying the proof."""
    args = row["proof_event__args"]
    if row["proof_state"] is None and args is None:
        return None
    recorded = json.loads(args) if isinstance(args, str) else args
    on_chain = None
    if recorded is not None:
        on_chain = {
            "verified": True,
            "passed": bool(recorded["passed"]),
            "blockNumber": str(row["proof_event__block_number"]),
            "txHash": row["proof_event__tx_hash"],
        }
    return {
        "state": row["proof_state"],
        "provingMs": row["proof__proving_ms"],
        "error": row["proof__error"] or None,
        "zkProof": (recorded or {}).get("zkProof") or row["proof__proof"] or None,
        "publicInputs": (recorded or {}).get("publicInputs") or row["proof__public_inputs"] or None,
        "onChain": on_chain,
    }
