"""The journal's analytics endpoints and GET /journal/trades page 1 at 100,000 and 1,000,000
trades of one trader, each against the bare SQL of its own statements on a raw cursor.

PostgreSQL only (`DATABASE_URL`): the trades are seeded with `generate_series`
(`tests.bench.journal_fixture`), and the trader's rows are kept between runs, so a second run
only measures. Each endpoint is called in-process through Django's test Client with a Bearer
token (production settings, DEBUG off); its journal statements (those reading
`journal_journaltrade` or, unfiltered on PostgreSQL, its rollups `journal_journalrollup`,
captured from one call) are then replayed as they were sent on `connection.cursor()` and
fetched: the bare SQL. A third side is the hand-written floor (tests/bench/journal_floor.py): the
same token and the endpoint's own statements (the time zone's read too) in a plain Django view
behind the same middleware, rows as dicts encoded with orjson. The sides take turns call by call.

    python -m tests.bench journal [--sizes 100000,1000000] [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass

from tests.bench.auth_me import HOST, BenchError, server_environment
from tests.bench.pairs import Run, report

ENDPOINT = "endpoint"
BARE = "bare SQL"
FLOOR = "hand-written floor"
ANALYTICS = (
    "overview",
    "equity-curve",
    "daily-pnl",
    "symbol-breakdown",
    "duration-profit",
    "return-distribution",
    "time-distribution",
    "filter-options",
)
TARGET_RATIO, TARGET_SECONDS = 1.5, 1.0
# The journal's own statements: those the bare side replays (not the session's or the settings').
JOURNAL_TABLES = re.compile(r"journal_journal(trade|rollup)")


@dataclass
class Case:
    name: str
    url: str


def cases() -> list[Case]:
    found = [Case(name, f"/api/v1/journal/analytics/{name}") for name in ANALYTICS]
    return [*found, Case("trades page 1", "/api/v1/journal/trades")]


@dataclass
class Measured:
    endpoint: Run
    bare: Run
    floor: Run


def measure(case: Case, *, size: int, client, headers: dict, args: argparse.Namespace) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.bench import journal_floor

    def answered(url: str) -> None:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}: {response.content[:300]!r}")

    def get() -> None:
        answered(case.url)

    get()  # the session's first request reads it; later ones are answered by the auth cache
    with CaptureQueriesContext(connection) as captured:
        get()
    statements = [q["sql"] for q in captured.captured_queries if JOURNAL_TABLES.search(q["sql"])]
    if not statements:
        raise BenchError(f"{case.url} ran no statement on the journal's trades or rollups")
    slug = case.name.replace(" ", "-")
    journal_floor.STATEMENTS[slug] = [q["sql"] for q in captured.captured_queries]

    def floor() -> None:
        answered(f"/bench/journal-floor/{slug}")

    def bare() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    label = f"{case.name} @{size // 1000}k"
    runs = {
        ENDPOINT: Run(label, ENDPOINT, len(captured)),
        BARE: Run(label, BARE, len(statements)),
        FLOOR: Run(label, FLOOR, len(captured)),
    }
    calls = {ENDPOINT: get, BARE: bare, FLOOR: floor}
    for call in calls.values():
        for _ in range(args.warmup):
            call()
    for index in range(args.rounds):
        order = [BARE, FLOOR, ENDPOINT] if index % 2 == 0 else [ENDPOINT, FLOOR, BARE]
        spent = dict.fromkeys(order, 0.0)
        for _ in range(args.requests):
            for target in order:
                began = time.perf_counter()
                calls[target]()
                took = time.perf_counter() - began
                runs[target].latencies.append(took)
                spent[target] += took
            # At least two calls a side, for a median of something.
            if max(spent.values()) > args.time_limit and len(runs[ENDPOINT].latencies) >= 2:
                break
    return Measured(runs[ENDPOINT], runs[BARE], runs[FLOOR])


def summary(measured: dict[int, list[Measured]], chosen: list[Case]) -> None:
    sizes = sorted(measured)
    print(f"\np50 per endpoint, the target: within {TARGET_RATIO}x of bare SQL and under {TARGET_SECONDS:g} s")
    head = "".join(f" {f'@{s // 1000}k ms':>11} {'bare ms':>8} {'ratio':>6}" for s in sizes)
    print(f"{'endpoint':<20}{head} {'growth':>7} {'floor/bare':>10} {'ep/floor':>8}  verdict")
    for index, case in enumerate(chosen):
        line, p50s = "", []
        for size in sizes:
            runs = measured[size][index]
            endpoint_ms, bare_ms = runs.endpoint.ms(50), runs.bare.ms(50)
            p50s.append(endpoint_ms)
            line += f" {endpoint_ms:>11.1f} {bare_ms:>8.1f} {endpoint_ms / bare_ms:>6.2f}"
        growth = f"{p50s[-1] / p50s[0]:.1f}x" if len(p50s) > 1 else "-"
        last = measured[sizes[-1]][index]
        floor_ratio = last.floor.ms(50) / last.bare.ms(50)
        over_floor = last.endpoint.ms(50) / last.floor.ms(50)
        print(
            f"{case.name:<20}{line} {growth:>7} {floor_ratio:>10.2f} {over_floor:>8.2f}  "
            f"{verdict(last.endpoint.ms(50), last.bare.ms(50), last.floor.ms(50))}"
        )


def verdict(endpoint_ms: float, bare_ms: float, floor_ms: float) -> str:
    """The target at the largest size, naming the part missed: over a second, or over the
    ratio; and where the hand-written floor itself is past the ratio (a statement of a few ms,
    whose request costs about as much as it does), says so."""
    missed = [
        *(["over 1 s"] if endpoint_ms >= TARGET_SECONDS * 1000 else []),
        *([f"ratio, +{endpoint_ms - bare_ms:.1f} ms"] if endpoint_ms / bare_ms > TARGET_RATIO else []),
    ]
    if not missed:
        return "ok"
    floor = f" (the floor is {floor_ms / bare_ms:.2f}x)" if floor_ms / bare_ms > TARGET_RATIO else ""
    return "MISSED: " + "; ".join(missed) + floor


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench journal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="trade counts, ascending (100000,1000000)")
    parser.add_argument("--requests", type=int, default=10, help="calls per side per endpoint per round (10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the side order alternates (2)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured calls per side per endpoint first (2)")
    parser.add_argument("--time-limit", type=float, default=8, help="seconds at most per side per round (8)")
    parser.add_argument("--only", default="", help="these endpoints only, comma-separated (overview,daily-pnl)")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    args.only = [name for name in args.only.split(",") if name]
    unknown = set(args.only) - {case.name for case in cases()}
    if unknown:
        parser.error(f"unknown endpoint: {', '.join(sorted(unknown))}")
    if args.requests * args.rounds < 2 or args.warmup < 0 or min(args.sizes) < 1:
        parser.error("counts must be positive, and at least two timed calls per side")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env, own_db = server_environment()
    if own_db or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # Not a failure of `python -m tests.bench` on the SQLite default: there is nothing to measure.
        print("skipped: the journal bench seeds with generate_series; set DATABASE_URL to PostgreSQL")
        return 0
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # whitenoise, no collectstatic
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    # The project's URLs and the hand-written floor's.
    override_settings(ROOT_URLCONF="tests.bench.journal_floor").enable()

    from apps.accounts.services import ClientInfo, start_session
    from tests.bench.journal_fixture import bench_trader, seed_trades

    call_command("migrate", verbosity=0, interactive=False)
    user = bench_trader()
    tokens = start_session(user=user, kind="WEB", method="password", client=ClientInfo(user_agent="bench"))
    headers = {"Authorization": f"Bearer {tokens.access_token}"}
    client = Client(HTTP_HOST=HOST)
    print(
        "GET /api/v1/journal/analytics/* and /journal/trades (page 1, no filter) vs the bare SQL of their journal "
        "statements on a raw cursor\n"
        f"database {connection.vendor} (DATABASE_URL), one trader; in-process Django test Client with a Bearer "
        f"token, DEBUG off; {args.rounds} round(s) x {args.requests} calls per side, after {args.warmup} warm-up "
        f"calls each, at most {args.time_limit:g} s per side per round\n",
        flush=True,
    )
    measured: dict[int, list[Measured]] = {}
    chosen = [case for case in cases() if not args.only or case.name in args.only]
    try:
        for size in args.sizes:
            began = time.perf_counter()
            added = seed_trades(user=user, upto=size)
            print(f"{size:,} trades: {added:,} seeded in {time.perf_counter() - began:.0f}s", flush=True)
            measured[size] = [measure(c, size=size, client=client, headers=headers, args=args) for c in chosen]
            pairs = [
                pair
                for runs in measured[size]
                for pair in ((runs.endpoint, runs.bare), (runs.floor, runs.bare), (runs.endpoint, runs.floor))
            ]
            report(pairs, expected=args.requests * args.rounds, unit="calls")
            print(flush=True)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    summary(measured, chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
