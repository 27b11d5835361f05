"""GET /api/v1/auth/me with a Bearer access token, against a bare Django view (the baseline).

Both targets are served by the same gunicorn (sync workers) on 127.0.0.1 with production
settings (DEBUG off), go through the same middleware and answer byte-identical JSON. The
baseline skips DRF, token decoding, the session+user query and the serializer, so the ratio
is what those cost under concurrent load.

    python -m tests.bench [--requests N] [--concurrency C] [--rounds R]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = ROOT / "var"
SQLITE_PATH = VAR_DIR / "bench.sqlite3"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
HOST = "127.0.0.1"

AUTH_ME = "auth/me"
BARE = "bare-me"
PATHS = {AUTH_ME: "/api/v1/auth/me", BARE: "/bench/bare-me"}


class BenchError(Exception):
    pass


# --- environment, fixture, server -----------------------------------------------------------


def server_environment() -> tuple[dict[str, str], bool]:
    """Production-like settings for the server and the fixture; True when the DB is ours."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    own_db = not env.get("DATABASE_URL")
    if own_db:
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=f"{HOST},localhost",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        SIWE_DOMAIN=HOST,
        REDIS_URL=env.get("REDIS_URL") or DEFAULT_REDIS_URL,
        SECURE_SSL_REDIRECT="0",
        TRUST_X_FORWARDED_PROTO="0",
        PYTHONWARNINGS="ignore",
    )
    return env, own_db


def prepare_fixture(
    env: dict[str, str], own_db: bool, *, module: str = "tests.bench.fixture", fresh: bool = True, timeout: int = 300
) -> dict:
    """Run a fixture module in a subprocess with the server's environment; its last stdout line
    is JSON. `fresh` deletes the bench's own SQLite file first."""
    if own_db:
        VAR_DIR.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal") if fresh else ():
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"fixture failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str], timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_server(env: dict[str, str], port: int, workers: int, log) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tests.bench.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "1",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_serving(proc: subprocess.Popen, port: int, timeout: float = 60) -> None:
    wait_until_ready(proc, "gunicorn", lambda: get(port, PATHS[BARE], {}, timeout=2)[0] == 200, timeout)


def wait_until_ready(proc: subprocess.Popen, name: str, ready: Callable[[], bool], timeout: float) -> None:
    """Until `ready()` is true (an OSError counts as not yet); BenchError if `proc` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with {proc.returncode} before serving")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{name} did not answer within {timeout:.0f}s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- load -----------------------------------------------------------------------------------


@dataclass
class Run:
    target: str
    requests: int
    seconds: float
    client_cpu: float  # the load generator's CPU time over the run's wall time (cores)
    latencies: list[float] = field(repr=False)
    cut_short: bool = False  # stopped at the time limit before all requests were sent

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def load(
    port: int,
    target: str,
    headers: dict[str, str],
    expected: bytes,
    requests: int,
    concurrency: int,
    time_limit: float,
) -> Run:
    """`requests` GETs from `concurrency` threads, each with its own keep-alive-capable connection.

    Every response must be a 200 with exactly the expected body; the first that is not stops
    the run and fails the bench. A run still going after `time_limit` seconds (a machine
    busy with other work) stops there, and its throughput counts what was done.
    """
    path = PATHS[target]
    tickets = itertools.count()
    stop = threading.Event()
    failures: list[str] = []
    per_thread: list[list[float]] = [[] for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)
    deadline = time.perf_counter() + time_limit

    def worker(latencies: list[float]) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        start.wait()
        try:
            while not stop.is_set() and time.perf_counter() < deadline and next(tickets) < requests:
                began = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                latencies.append(time.perf_counter() - began)
                if response.status != 200 or body != expected:
                    failures.append(f"{target}: {response.status} {body[:300]!r}")
                    stop.set()
        except Exception as exc:
            failures.append(f"{target}: {exc!r}")
            stop.set()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(lat,), daemon=True) for lat in per_thread]
    for thread in threads:
        thread.start()
    start.wait()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    if failures:
        raise BenchError(f"{len(failures)} failed request(s); first: {failures[0]}")
    latencies = [x for lat in per_thread for x in lat]
    return Run(target, len(latencies), seconds, cpu / seconds, latencies, cut_short=len(latencies) < requests)


def check_same_body(port: int, headers: dict[str, dict[str, str]], me: dict) -> bytes:
    """Both targets answer 200 with the same bytes, and those bytes are the bench user's JSON."""
    answers = {target: get(port, PATHS[target], headers[target]) for target in PATHS}
    for target, (status, body) in answers.items():
        if status != 200:
            raise BenchError(f"{target} answered {status}: {body[:500]!r}")
    auth_body, bare_body = answers[AUTH_ME][1], answers[BARE][1]
    if auth_body != bare_body or json.loads(auth_body) != me:
        raise BenchError(
            "auth/me and the bare view disagree:\n"
            f"  auth/me: {auth_body!r}\n  bare:    {bare_body!r}\n  fixture: {me!r}"
        )
    return auth_body


# --- report ---------------------------------------------------------------------------------


def merged(runs: list[Run], target: str) -> Run:
    mine = [r for r in runs if r.target == target]
    seconds = sum(r.seconds for r in mine)
    cpu = sum(r.client_cpu * r.seconds for r in mine) / seconds
    return Run(target, sum(r.requests for r in mine), seconds, cpu, [x for r in mine for x in r.latencies])


def row(label: str, run: Run) -> str:
    ms = [run.percentile(p) * 1000 for p in (50, 95, 99)]
    requests = f"{run.requests}{'*' if run.cut_short else ''}"
    return (
        f"{label:<10} {run.target:<8} {requests:>8} {run.throughput:>9.0f} "
        f"{ms[0]:>8.2f} {ms[1]:>8.2f} {ms[2]:>8.2f} {run.client_cpu:>10.2f}"
    )


def report(runs: list[Run]) -> None:
    heads = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "client cpu")
    widths = (8, 9, 8, 8, 8, 10)
    print(f"{'round':<10} {'target':<8} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    for index, run in enumerate(runs):
        print(row(f"{index // 2 + 1}", run))
    auth, bare = merged(runs, AUTH_ME), merged(runs, BARE)
    print(row("all", bare))
    print(row("all", auth))
    if any(r.cut_short for r in runs):
        print("* stopped at --time-limit; throughput counts the requests done")
    p = {n: auth.percentile(n) / bare.percentile(n) for n in (50, 95, 99)}
    per_round = sorted(
        next(r for r in pair if r.target == AUTH_ME).throughput / next(r for r in pair if r.target == BARE).throughput
        for pair in zip(runs[::2], runs[1::2], strict=True)
    )
    if len(per_round) > 1:
        spread = " ".join(f"{x:.2f}" for x in per_round)
        print(f"throughput ratio per round, sorted: {spread} (median {statistics.median(per_round):.2f})")
    print(f"ratio (auth/me ÷ bare) throughput: {auth.throughput / bare.throughput:.2f}, p50 latency: {p[50]:.2f}")
    print(f"                       p95 latency: {p[95]:.2f}, p99 latency: {p[99]:.2f}")


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="requests per target per round (1500)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads, one connection each (16)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds; the target order alternates (4)")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured requests per target first (300)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--time-limit", type=float, default=12, help="seconds at most per run, warm-ups too (12)")
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds, args.workers) < 1 or args.warmup < 0:
        parser.error("counts must be positive")
    if args.requests < 100:
        parser.error("--requests must be at least 100 for percentiles to mean something")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env, own_db = server_environment()
    try:
        fixture = prepare_fixture(env, own_db)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    env["BENCH_ME_JSON"] = json.dumps(fixture["me"])
    headers = {AUTH_ME: {"Authorization": f"Bearer {fixture['token']}"}, BARE: {}}
    port = free_port()

    print(
        f"GET /api/v1/auth/me (Bearer JWT) vs bare Django view /bench/bare-me\n"
        f"gunicorn {args.workers} sync workers x 1 thread on {HOST}:{port}, DEBUG off; "
        f"database {fixture['vendor']} ({'fresh ' + SQLITE_PATH.name if own_db else 'DATABASE_URL'}), "
        f"CONN_MAX_AGE={env.get('CONN_MAX_AGE', '0')}\n"
        f"DB queries per request: auth/me {fixture['queries']['auth_me']} (a session's first in a process), "
        f"{fixture['queries']['auth_me_cached']} after it (auth cache); bare {fixture['queries']['bare_me']}\n"
        f"{args.rounds} round(s) x {args.requests} requests per target at concurrency {args.concurrency}, "
        f"after {args.warmup} warm-up requests each; {os.cpu_count()} CPU(s) shared by client and server\n",
        flush=True,
    )

    with tempfile.TemporaryFile(mode="w+") as log:
        proc = start_server(env, port, args.workers, log)
        try:
            wait_until_serving(proc, port)
            expected = check_same_body(port, headers, fixture["me"])

            def measure(target: str, requests: int) -> Run:
                return load(port, target, headers[target], expected, requests, args.concurrency, args.time_limit)

            if args.warmup:
                for target in (BARE, AUTH_ME):
                    measure(target, args.warmup)
            runs = []
            for index in range(args.rounds):
                order = (BARE, AUTH_ME) if index % 2 == 0 else (AUTH_ME, BARE)
                runs.extend(measure(target, args.requests) for target in order)
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            log.seek(0)
            server_log = log.read()[-4000:]
            if server_log:
                print(f"--- gunicorn log (tail) ---\n{server_log}", file=sys.stderr)
            return 1
        finally:
            stop_server(proc)

    report(runs)
    return 0
