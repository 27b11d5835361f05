"""Public pages of the agent-jobs explorer: the job list (same filters as GET /api/v1/jobs) and
one job's page.

Thin like the API views: the filters are parsed by the API's own filter serializer and the rows
come from the same selectors, so the pages and the API cannot disagree. A bad filter renders the
list page with a message (status 400) instead of the API's JSON envelope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.jobs.api.jobs import JobListView
from apps.jobs.api.params import MAX_STORED_ID
from apps.jobs.hooks import job_page_tee_status
from apps.jobs.models import Agent, JobStatus, StrategyType
from apps.jobs.selectors import JobFilters, job_detail, job_events, job_list, lifecycle_of

PAGE_SIZE = 20
USDC_DECIMALS = 6
_USDC_UNIT = Decimal(10) ** USDC_DECIMALS
_FILTER_NAMES = ("status", "strategyType", "clientId", "providerId", "evaluatorId", "ownerAddress")


@dataclass(frozen=True)
class Usdc:
    """A raw USDC amount as the API renders it (`raw`) and for people (`human`, 6 decimals)."""

    raw: str
    human: str

    def __str__(self) -> str:
        return f"{self.human} USDC"


def usdc(value: int | Decimal | None) -> Usdc | None:
    if value is None:
        return None
    units = int(value)  # a NUMERIC read back can be `1E+8`: go through int, as the API does
    human = (Decimal(units) / _USDC_UNIT).quantize(Decimal(1).scaleb(-USDC_DECIMALS))
    return Usdc(raw=str(units), human=f"{human:,.{USDC_DECIMALS}f}")


def unix_time(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds is not None else None


def _filters_from(query: Any) -> tuple[JobFilters, dict[str, str], list[str]]:
    """(filters, the given values for the form, error messages) from a GET query."""
    given = {name: query.get(name, "").strip() for name in _FILTER_NAMES}
    present = {name: value for name, value in given.items() if value}
    params = JobListView.FilterSerializer(data=present)
    if not params.is_valid():
        errors = [f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in params.errors.items()]
        return JobFilters(), given, errors
    return params.to_filters(), given, []


def _page_number(raw: str | None) -> tuple[int, str | None]:
    if raw is None or raw == "":
        return 1, None
    if not raw.isdigit() or int(raw) < 1:
        return 1, "page must be a positive integer."
    return int(raw), None


def _party(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {
        "agent": agent,
        "stake_available": usdc(agent.stake_available),
        "stake_locked": usdc(agent.stake_locked),
    }


@require_GET
def job_list_page(request: HttpRequest) -> HttpResponse:
    filters, given, errors = _filters_from(request.GET)
    number, page_error = _page_number(request.GET.get("page"))
    if page_error:
        errors.append(page_error)
    page = None
    if not errors:
        page = Paginator(job_list(filters=filters), PAGE_SIZE).get_page(number)
    rows = [
        {"job": job, "budget": usdc(job.budget), "lifecycle": lifecycle_of(job.lifecycle_events)}
        for job in (page.object_list if page is not None else [])
    ]
    context = {
        "page": page,
        "rows": rows,
        "errors": errors,
        "given": given,
        "statuses": JobStatus.values,
        "strategy_types": StrategyType.values,
        "filtered": any(given.values()),
    }
    return render(request, "jobs/list.html", context, status=400 if errors else 200)


@require_GET
def job_detail_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_detail(job_id=job_id) if 0 < job_id <= MAX_STORED_ID else None
    if job is None:
        return render(request, "jobs/detail.html", {"missing_job_id": job_id}, status=404)
    proof = getattr(job, "proof", None)
    dispute = getattr(job, "dispute", None)
    is_cex = job.strategy_type == StrategyType.CEX_CAPITAL
    snapshots = list(job.snapshots.all())
    events = list(job_events(job=job))  # chain order
    context = {
        "job": job,
        "is_cex": is_cex,
        # Only a CEX_CAPITAL job has a TEE task; the call is bounded by PROBE_TIMEOUT_SECONDS.
        "tee": job_page_tee_status(job_id=job.job_id) if is_cex else None,
        "snapshot_chart": _snapshot_chart(snapshots) if is_cex else None,
        "amounts": {
            "budget": usdc(job.budget),
            "escrow": usdc(job.escrow_balance),
            "platform_fee": usdc(job.platform_fee),
            "evaluator_fee": usdc(job.evaluator_fee),
            "provider_payment": usdc(job.provider_payment),
            "cex_capital": usdc(job.cex_capital),
        },
        "times": {
            "created": unix_time(job.onchain_created_at),
            "deadline": unix_time(job.onchain_deadline),
            "submitted": unix_time(job.onchain_submitted_at),
            "settled": unix_time(job.onchain_settled_at),
        },
        "parties": [
            ("Client", _party(job.client)),
            ("Provider", _party(job.provider)),
            ("Evaluator", _party(job.evaluator)),
        ],
        "timeline": [{"event": event, "at": unix_time(event.block_timestamp)} for event in events],
        "stake_locks": [{"lock": lock, "amount": usdc(lock.amount)} for lock in job.stake_locks.all()],
        "snapshots": [{"snapshot": s, "value": usdc(s.reported_value)} for s in snapshots],
        "offers": list(job.offers.all()),
        "dispute": dispute,
        "dispute_collateral": usdc(dispute.collateral) if dispute is not None else None,
        "proof": proof,
        # complete()/reject() log the proof only after ACPCore's verifier accepted it.
        "proof_on_chain": next((event for event in reversed(events) if event.name == "ProofRecorded"), None),
    }
    return render(request, "jobs/detail.html", context)


def _snapshot_chart(snapshots: list[Any]) -> list[dict[str, Any]]:
    """The chart's points, oldest first: UTC seconds and the value in USDC as a decimal string
    (exact here; the script turns it into a number only to draw it)."""
    return [
        {"time": int(s.snapshot_ts.timestamp()), "value": format(Decimal(int(s.reported_value)) / _USDC_UNIT, "f")}
        for s in sorted(snapshots, key=lambda s: s.snapshot_ts)
    ]
