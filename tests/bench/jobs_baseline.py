"""The jobs bench's hand-written baseline: plain Django views that run the jobs endpoints' own
statements on a raw cursor and build the same bodies from plain dicts, encoded with orjson.

The project's URLs plus `/bench/jobs` (the list: `status`, `strategyType`, `clientId`, `page`,
`limit`, as the bench sends them, unvalidated) and `/bench/jobs/<id>` (the detail), so both go
through the same middleware as the endpoints. The statements are the selectors' own
(`apps.jobs.selectors`), and the bench checks that both sides send the same SQL. The bodies are
built here, apart from `apps.jobs.presenters`, on purpose: the bench compares the endpoint's
body with this one, and a slower presenter shows in the ratio instead of slowing its own floor.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

import config.urls
from apps.jobs.selectors import (
    DETAIL,
    LIFECYCLE_EVENTS,
    LIFECYCLE_NAMES,
    OFFERS,
    SNAPSHOTS,
    STAKE_LOCKS,
    JobFilters,
    job_count_sql,
    job_filter_sql,
    job_page_sql,
    lifecycle_events_sql,
)

STEPS = {name: step for step, names in LIFECYCLE_EVENTS.items() for name in names}


def rows(cursor, sql: str, params: list) -> list[dict[str, Any]]:
    cursor.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def digits(value: Any) -> str | None:
    return None if value is None else str(int(value))


def utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)  # naive on SQLite
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def agent(r: dict, role: str, *, evaluator: bool = False) -> dict | None:
    if r[f"{role}__agent_id"] is None:
        return None
    body = {"agentId": str(r[f"{role}__agent_id"]), "ownerAddress": r[f"{role}__owner_address"]}
    if not evaluator:
        body["name"] = r[f"{role}__name"]
    body["source"] = r[f"{role}__source"]
    body["reputation"] = {
        "score": r[f"{role}__reputation_score"],
        "totalJobs": r[f"{role}__total_jobs"],
        "completedJobs": r[f"{role}__completed_jobs"],
    }
    if evaluator:
        strategy = r[f"{role}__evaluator_strategy_type"]
        body["evaluatorCapability"] = {"strategyType": strategy} if strategy else None
    else:
        body["stakingPool"] = {
            "available": digits(r[f"{role}__stake_available"]),
            "locked": digits(r[f"{role}__stake_locked"]),
        }
    return body


def summary(r: dict, events: list[dict]) -> dict:
    job = {
        "jobId": str(r["job_id"]),
        "status": r["status"],
        "strategyType": r["strategy_type"],
        "clientId": str(r["client__agent_id"]),
        "providerId": digits(r["provider__agent_id"]),
        "evaluatorId": digits(r["evaluator__agent_id"]),
        "budget": digits(r["budget"]),
        "escrowBalance": digits(r["escrow_balance"]),
        "deliverableHash": r["deliverable_hash"] or None,
        "passed": r["passed"],
        "platformFee": digits(r["platform_fee"]),
        "evaluatorFee": digits(r["evaluator_fee"]),
        "providerPayment": digits(r["provider_payment"]),
        "onchainCreatedAt": str(r["onchain_created_at"]),
        "onchainDeadline": str(r["onchain_deadline"]),
        "onchainSubmittedAt": digits(r["onchain_submitted_at"]),
        "onchainSettledAt": digits(r["onchain_settled_at"]),
        "client": agent(r, "client"),
        "provider": agent(r, "provider"),
        "evaluator": agent(r, "evaluator", evaluator=True),
    }
    if r["strategy_type"] == "CEX_CAPITAL":
        job["cexConfig"] = {"stopLossBps": r["stop_loss_bps"], "targetReturnBps": r["target_return_bps"]}
    lifecycle: dict[str, Any] = dict.fromkeys(LIFECYCLE_EVENTS)
    for event in events:
        lifecycle[STEPS[event["name"]]] = {"txHash": event["tx_hash"], "blockNumber": str(event["block_number"])}
    job["lifecycle"] = lifecycle
    job["proof"] = None if r["proof_state"] is None else {"state": r["proof_state"]}
    return job


def events_by_job(cursor, jobs: list[dict]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {job["id"]: [] for job in jobs}
    for event in rows(cursor, lifecycle_events_sql(len(found)), [*found, *LIFECYCLE_NAMES]):
        found[event["job_id"]].append(event)
    return found


def json_response(body: dict) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), content_type="application/json")


def hand_list(request: HttpRequest) -> HttpResponse:
    query = request.GET
    client = query.get("clientId")
    filters = JobFilters(
        status=query.get("status"),
        strategy_type=query.get("strategyType"),
        client_id=int(client) if client else None,
    )
    page, limit = int(query.get("page", 1)), int(query.get("limit", 20))
    offset = (page - 1) * limit
    where, params = job_filter_sql(filters)
    with connection.cursor() as cursor:
        cursor.execute(job_count_sql(where), params)
        (total,) = cursor.fetchone()
        last_page = max(1, -(-total // limit))  # as apps.core.pagination: past it, no page query
        jobs = rows(cursor, job_page_sql(where), [*params, limit, offset]) if page <= last_page else []
        events = events_by_job(cursor, jobs) if jobs else {}
    data = [summary(job, events[job["id"]]) for job in jobs]
    return json_response({"success": True, "data": data, "pagination": {"page": page, "limit": limit, "total": total}})


def hand_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    with connection.cursor() as cursor:
        (r,) = rows(cursor, DETAIL, [job_id])
        events = events_by_job(cursor, [r])[r["id"]]
        locks = rows(cursor, STAKE_LOCKS, [r["id"]]) if r["has_stake_locks"] else []
        snapshots = rows(cursor, SNAPSHOTS, [r["id"]]) if r["has_snapshots"] else []
        offers = rows(cursor, OFFERS, [r["id"]]) if r["has_offers"] else []
    job = summary(r, events)
    job["stakeLocks"] = [
        {
            "agentId": str(lock["agent_id"]),
            "role": lock["role"],
            "amount": digits(lock["amount"]),
            "active": lock["active"],
            "lockedAt": utc(lock["locked_at"]),
            "releasedAt": utc(lock["released_at"]),
        }
        for lock in locks
    ]
    job["snapshots"] = [
        {
            "reportedValue": digits(s["reported_value"]),
            "snapshotTs": utc(s["snapshot_ts"]),
            "txHash": s["tx_hash"],
            "blockNumber": str(s["block_number"]),
        }
        for s in snapshots
    ]
    job["dispute"] = None
    if r["dispute__dispute_id"] is not None:
        job["dispute"] = {
            "disputeId": str(r["dispute__dispute_id"]),
            "jobId": str(r["job_id"]),
            "status": "RESOLVED" if r["dispute__resolved"] else "OPEN",
            "openedBy": r["dispute__opened_by"],
            "openerId": str(r["dispute__opener_id"]),
            "fromStatus": r["dispute__from_status"],
            "reasonHash": r["dispute__reason_hash"],
            "collateral": digits(r["dispute__collateral"]),
            "providerWins": r["dispute__provider_wins"],
            "openedAt": utc(r["dispute__opened_at"]),
            "resolvedAt": utc(r["dispute__resolved_at"]),
        }
    job["offers"] = [
        {
            "agentId": str(o["agent_id"]),
            "ownerAddress": o["owner_address"],
            "status": o["status"],
            "createdAt": utc(o["created_at"]),
        }
        for o in offers
    ]
    return json_response({"success": True, "data": job})


urlpatterns = [
    path("bench/jobs", hand_list),
    path("bench/jobs/<int:job_id>", hand_detail),
    *config.urls.urlpatterns,
]
