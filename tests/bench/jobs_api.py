"""GET /api/v1/jobs (filtered, paged) and GET /api/v1/jobs/{id} over 100,000 indexed jobs,
against the bare SQL of the same queries run on a raw cursor (the baseline).

The endpoints are called in-process through Django's test Client (the full middleware stack,
DRF, the selectors and the serializers; production settings, DEBUG off), the baseline with
`connection.cursor()` on the same connection, alternately, the same number of times. The
database is built once by `tests.bench.jobs_fixture` and reused while it holds the jobs.

    python -m tests.bench jobs [--requests N] [--rounds R] [--warmup W]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from tests.bench.auth_me import HOST, ROOT, VAR_DIR, BenchError, prepare_fixture, server_environment
from tests.bench.pairs import Run, add_pair_options, check_pair_options, report

SQLITE_PATH = VAR_DIR / "bench-jobs.sqlite3"
PAGE_SIZE = 20

ENDPOINT = "endpoint"
BARE = "bare SQL"


# --- environment, fixture -------------------------------------------------------------------


def bench_environment() -> tuple[dict[str, str], bool]:
    """auth_me's production-like settings, with this bench's own SQLite file by default."""
    env, own_db = server_environment()
    if own_db:
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    return env, own_db


# --- cases ----------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    url: str
    statements: list[tuple[str, list]]  # the baseline: (sql, params) run and fetched in order
    check: Callable[[dict, list[list[tuple]]], None]  # endpoint body vs the baseline's rows


# The job row and its three parties, as select_related("client", "provider", "evaluator")
# fetches them; j.job_id first so the checks can read it. Static SQL: build_cases checks the
# table names against the models.
SELECT_PAGE = """
    SELECT j.job_id, j.*, c.*, p.*, e.* FROM jobs_job j
    INNER JOIN jobs_agent c ON c.id = j.client_id
    LEFT OUTER JOIN jobs_agent p ON p.id = j.provider_id
    LEFT OUTER JOIN jobs_agent e ON e.id = j.evaluator_id
"""
COUNT_BY_STATUS = "SELECT COUNT(*) FROM jobs_job j WHERE j.status = %s AND j.strategy_type = %s"
PAGE_BY_STATUS = SELECT_PAGE + (
    "WHERE j.status = %s AND j.strategy_type = %s ORDER BY j.job_id DESC LIMIT %s OFFSET %s"
)
COUNT_BY_CLIENT = "SELECT COUNT(*) FROM jobs_job j INNER JOIN jobs_agent c ON c.id = j.client_id WHERE c.agent_id = %s"
PAGE_BY_CLIENT = SELECT_PAGE + "WHERE c.agent_id = %s ORDER BY j.job_id DESC LIMIT %s OFFSET %s"
DETAIL = SELECT_PAGE + "WHERE j.job_id = %s"


def build_cases(fixture: dict) -> list[Case]:
    from apps.jobs.models import Agent, Job

    if (Job._meta.db_table, Agent._meta.db_table) != ("jobs_job", "jobs_agent"):
        raise BenchError("the bare SQL's table names no longer match the models")

    def check_page(body: dict, results: list[list[tuple]]) -> None:
        (total,), rows = results[0][0], results[1]
        ids = [item["jobId"] for item in body["data"]]
        if body["pagination"]["total"] != total or ids != [str(r[0]) for r in rows] or not ids:
            raise BenchError(f"endpoint and bare SQL disagree: total {body['pagination']} vs {total}, {ids} vs rows")

    def check_detail(body: dict, results: list[list[tuple]]) -> None:
        rows = results[0]
        if len(rows) != 1 or body["data"]["jobId"] != str(rows[0][0]):
            raise BenchError(f"endpoint and bare SQL disagree on the job: {body['data']['jobId']} vs {rows}")
        if body["data"]["lifecycle"]["created"] is None:
            raise BenchError("the detail job has no lifecycle events")

    page = 3
    status = ["FUNDED", "CEX_CAPITAL"]
    client = fixture["client_agent_id"]
    detail_id = fixture["detail_job_id"]
    return [
        Case(
            "list status+strategy p3",
            f"/api/v1/jobs?status=FUNDED&strategyType=CEX_CAPITAL&page={page}&limit={PAGE_SIZE}",
            [(COUNT_BY_STATUS, status), (PAGE_BY_STATUS, [*status, PAGE_SIZE, (page - 1) * PAGE_SIZE])],
            check_page,
        ),
        Case(
            "list clientId",
            f"/api/v1/jobs?clientId={client}&limit={PAGE_SIZE}",
            [(COUNT_BY_CLIENT, [client]), (PAGE_BY_CLIENT, [client, PAGE_SIZE, 0])],
            check_page,
        ),
        Case("detail", f"/api/v1/jobs/{detail_id}", [(DETAIL, [detail_id])], check_detail),
    ]


# --- measurement ----------------------------------------------------------------------------


def measure_case(case: Case, client, args: argparse.Namespace) -> tuple[Run, Run]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def bare() -> list[list[tuple]]:
        with connection.cursor() as cursor:
            results = []
            for sql, params in case.statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
            return results

    def endpoint() -> None:
        response = client.get(case.url)
        if response.status_code != 200:
            raise BenchError(f"{case.url} answered {response.status_code}: {response.content[:500]!r}")

    # Pre-flight: the endpoint answers what the bare SQL finds; count each side's queries.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(case.url)
    if response.status_code != 200:
        raise BenchError(f"{case.url} answered {response.status_code}: {response.content[:500]!r}")
    endpoint_queries = len(captured)
    with CaptureQueriesContext(connection) as captured:
        results = bare()
    case.check(response.json(), results)
    runs = {ENDPOINT: Run(case.name, ENDPOINT, endpoint_queries), BARE: Run(case.name, BARE, len(captured))}
    calls = {ENDPOINT: endpoint, BARE: bare}

    for target in (BARE, ENDPOINT):
        for _ in range(args.warmup):
            calls[target]()
    for index in range(args.rounds):
        for target in (BARE, ENDPOINT) if index % 2 == 0 else (ENDPOINT, BARE):
            call, latencies = calls[target], runs[target].latencies
            deadline = time.perf_counter() + args.time_limit
            for _ in range(args.requests):
                began = time.perf_counter()
                call()
                latencies.append(time.perf_counter() - began)
                if began > deadline:
                    break
    return runs[ENDPOINT], runs[BARE]


# --- report ---------------------------------------------------------------------------------


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench jobs", description=__doc__.split("\n\n")[0])
    add_pair_options(parser, requests=200, time_limit=10, unit="requests")
    return check_pair_options(parser, parser.parse_args(argv))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env, own_db = bench_environment()
    began = time.perf_counter()
    try:
        # The 100,000 jobs take a while to build, so an existing bench database is reused.
        fixture = prepare_fixture(env, own_db, module="tests.bench.jobs_fixture", fresh=False, timeout=1200)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    where = f"{SQLITE_PATH.relative_to(ROOT)}" if own_db else "DATABASE_URL"
    if fixture["built"]:
        built = f"built in {time.perf_counter() - began:.0f}s"
    else:
        built = f"reused (already holds {fixture['jobs']:,} jobs)"
    print(
        f"GET /api/v1/jobs (filtered) and /api/v1/jobs/{{id}} vs the bare SQL on a raw cursor\n"
        f"database {fixture['vendor']} ({where}), {built}: {fixture['jobs']:,} jobs, "
        f"{fixture['agents']:,} agents, {fixture['events']:,} job events (jobs with id % 10 == 0)\n"
        f"in-process Django test Client, DEBUG off, one persistent connection for both sides; "
        f"{args.rounds} round(s) x {args.requests} requests per target per case, "
        f"after {args.warmup} warm-up requests each\n",
        flush=True,
    )

    # Measure in this process, with the fixture's settings (nothing has set Django up yet).
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # whitenoise, no collectstatic
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    try:
        pairs = [measure_case(case, client, args) for case in build_cases(fixture)]
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    report(pairs, expected=args.requests * args.rounds, ratio="endpoint ÷ bare SQL")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
