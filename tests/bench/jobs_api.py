"""GET /api/v1/jobs (filtered, paged) and GET /api/v1/jobs/{id} over 100,000 indexed jobs,
against two floors: the bare SQL of the rows on a raw cursor, and a hand-written baseline.

The endpoints are called in-process through Django's test Client (the full middleware stack,
DRF, the selectors and the presenters; production settings, DEBUG off). The hand-written
baseline (`tests.bench.jobs_baseline`) is a plain Django view behind the same middleware that
runs the endpoint's own statements on a raw cursor and builds the same body from dicts with
orjson; the bare SQL is `connection.cursor()` on the same connection. The three take turns in
blocks of ten calls, the same number of times. The database is built once by
`tests.bench.jobs_fixture` and reused while it holds the jobs.

    python -m tests.bench jobs [--requests N] [--rounds R] [--warmup W]
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
HAND = "hand-written"
BARE = "bare SQL"
BASELINE_URLCONF = "tests.bench.jobs_baseline"
BLOCK = 10  # calls per side per turn


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
    hand_url: str  # the hand-written baseline's view (tests.bench.jobs_baseline)
    statements: list[tuple[str, list]]  # the bare SQL: (sql, params) run and fetched in order
    check: Callable[[dict, list[list[tuple]]], None]  # endpoint body vs the bare SQL's rows


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
    by_status = f"?status=FUNDED&strategyType=CEX_CAPITAL&page={page}&limit={PAGE_SIZE}"
    by_client = f"?clientId={client}&limit={PAGE_SIZE}"
    return [
        Case(
            "list status+strategy p3",
            f"/api/v1/jobs{by_status}",
            f"/bench/jobs{by_status}",
            [(COUNT_BY_STATUS, status), (PAGE_BY_STATUS, [*status, PAGE_SIZE, (page - 1) * PAGE_SIZE])],
            check_page,
        ),
        Case(
            "list clientId",
            f"/api/v1/jobs{by_client}",
            f"/bench/jobs{by_client}",
            [(COUNT_BY_CLIENT, [client]), (PAGE_BY_CLIENT, [client, PAGE_SIZE, 0])],
            check_page,
        ),
        Case("detail", f"/api/v1/jobs/{detail_id}", f"/bench/jobs/{detail_id}", [(DETAIL, [detail_id])], check_detail),
    ]


# --- measurement ----------------------------------------------------------------------------


def _sql(captured) -> list[str]:
    return [re.sub(r"\s+", " ", query["sql"]).strip() for query in captured.captured_queries]


def measure_case(case: Case, client, args: argparse.Namespace) -> tuple[Run, Run, Run]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def bare() -> list[list[tuple]]:
        with connection.cursor() as cursor:
            results = []
            for sql, params in case.statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
            return results

    def get(url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}: {response.content[:500]!r}")
        return response

    # Pre-flight, after one call that reads the X-Indexed-Block position (then cached for a
    # second, so a timed call reads it about once a second): the endpoint answers what the bare
    # SQL finds and exactly the hand-written baseline's body, both sending the same statements.
    get(case.url)
    with CaptureQueriesContext(connection) as endpoint_sql:
        response = get(case.url)
    with CaptureQueriesContext(connection) as hand_sql:
        hand = get(case.hand_url)
    with CaptureQueriesContext(connection) as bare_sql:
        results = bare()
    case.check(response.json(), results)
    if response.json() != json.loads(hand.content):
        raise BenchError(f"{case.url} and {case.hand_url} answered different bodies")
    if _sql(endpoint_sql) != _sql(hand_sql):
        raise BenchError(f"the hand-written baseline no longer runs the queries of {case.url}")
    same = "byte for byte" if response.content == hand.content else "as JSON"
    print(f"{case.name}: the endpoint's body is the hand-written one's ({same}), same {len(hand_sql)} statements")
    runs = {
        ENDPOINT: Run(case.name, ENDPOINT, len(endpoint_sql)),
        HAND: Run(case.name, HAND, len(hand_sql)),
        BARE: Run(case.name, BARE, len(bare_sql)),
    }
    calls = {ENDPOINT: lambda: get(case.url), HAND: lambda: get(case.hand_url), BARE: bare}

    order = [BARE, HAND, ENDPOINT]
    for target in order:
        for _ in range(args.warmup):
            calls[target]()
    # The sides take turns in blocks of BLOCK calls (the first side rotating each round), so a
    # burst of load from elsewhere on the machine falls on all three alike.
    for index in range(args.rounds):
        turns = order[index % 3 :] + order[: index % 3]
        spent = dict.fromkeys(turns, 0.0)
        for block in range(0, args.requests, BLOCK):
            for target in turns:
                call, latencies, calls_left = calls[target], runs[target].latencies, min(BLOCK, args.requests - block)
                for _ in range(calls_left):
                    began = time.perf_counter()
                    call()
                    latencies.append(time.perf_counter() - began)
                spent[target] += sum(latencies[-calls_left:])
            if max(spent.values()) > args.time_limit:
                break
    return runs[ENDPOINT], runs[HAND], runs[BARE]


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
        f"GET /api/v1/jobs (filtered) and /api/v1/jobs/{{id}} vs the bare SQL on a raw cursor and a "
        f"hand-written baseline (the same statements, dicts, orjson, a plain Django view)\n"
        f"database {fixture['vendor']} ({where}), {built}: {fixture['jobs']:,} jobs, "
        f"{fixture['agents']:,} agents, {fixture['events']:,} job events (jobs with id % 10 == 0)\n"
        f"in-process Django test Client, DEBUG off, one persistent connection for all sides; "
        f"{args.rounds} round(s) x {args.requests} requests per target per case, "
        f"after {args.warmup} warm-up requests each\n",
        flush=True,
    )

    # Measure in this process, with the fixture's settings (nothing has set Django up yet).
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # whitenoise, no collectstatic
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ROOT_URLCONF = BASELINE_URLCONF  # the project's URLs and the hand-written views
    client = Client(HTTP_HOST=HOST)
    try:
        runs = [measure_case(case, client, args) for case in build_cases(fixture)]
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    print()
    pairs = [pair for endpoint, hand, bare in runs for pair in ((endpoint, bare), (endpoint, hand))]
    report(pairs, expected=args.requests * args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
