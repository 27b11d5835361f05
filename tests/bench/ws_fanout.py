"""WebSocket fan-out: 1,000 subscribers of `ticker.BTC_USDT` on one daphne, against raw
channels-redis `group_send` to a bare consumer (the baseline), in the same run.

Each side gets a daphne of its own, started the same way (the Procfile's flags, production-like
settings, the same Redis): `config.asgi:application` for the platform, `tests.bench.ws_asgi`'s
bare consumer for the baseline. Client processes open the sockets and SUBSCRIBE, a publisher
process sends `--events` ticker events at `--rate` per second (apps.core.streams.publish, or a
raw group_send), and every socket counts every sequence number and times every delivery.

    python -m tests.bench ws_fanout [--sockets N] [--events E] [--rate R] [--layer core|pubsub]
"""

from __future__ import annotations

import argparse
import array
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.bench.auth_me import HOST, ROOT, BenchError, free_port, server_environment, stop_server, wait_until_ready
from tests.bench.ws_peers import raise_fd_limit

PLATFORM, BARE = "platform", "bare"
APPS = {PLATFORM: "config.asgi:application", BARE: "tests.bench.ws_asgi:application"}
DAPHNE = Path(sys.executable).parent / "daphne"
# What must never appear in the ws log: a traceback, an error, the pool or read failures, a kill.
LOG_ERRORS = re.compile(r"Traceback|\bERROR\b|CRITICAL|MaxConnectionsError|Too many connections|Timeout reading|killed")


@dataclass
class Side:
    name: str
    wanted: int = 0
    sockets: int = 0
    subscribe_seconds: float = 0.0
    open_errors: dict[str, int] = field(default_factory=dict)
    published: int = 0
    expected: int = 0
    received: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    closed: dict[str, int] = field(default_factory=dict)
    span: float = 0.0  # first publish to last delivery, seconds
    server_cpu: float = 0.0  # daphne's, from the first publish on
    client_cpu: float = 0.0
    log_errors: list[str] = field(default_factory=list)
    latencies: array.array = field(default_factory=lambda: array.array("d"), repr=False)

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def deliveries_per_second(self) -> float:
        return self.received / self.span if self.span > 0 else 0.0

    @property
    def cpu_per_delivery(self) -> float:
        return self.server_cpu / self.received if self.received else float("nan")

    def problems(self) -> list[str]:
        found = []
        if self.sockets < self.wanted:
            found.append(f"{self.wanted - self.sockets} sockets could not subscribe: {self.open_errors}")
        if self.published < self.expected // max(self.sockets, 1):
            found.append(f"only {self.published} events were published")
        if self.missing or self.duplicates or self.out_of_order:
            found.append(f"{self.missing} missing, {self.duplicates} doubled, {self.out_of_order} out of order")
        if self.closed:
            found.append(f"closed by the server: {self.closed}")
        if self.log_errors:
            found.append(f"{len(self.log_errors)} error lines in the ws log, first: {self.log_errors[:3]}")
        return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc, in USER_HZ ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def start_daphne(env: dict[str, str], side: str, port: int, log: IO[str], profile: Path | None) -> subprocess.Popen:
    # The Procfile's `ws` process on loopback; under cProfile when asked (written as it stops).
    argv = [str(DAPHNE)]
    if profile is not None:
        argv = [sys.executable, "-m", "cProfile", "-o", str(profile / f"daphne-{side}.prof"), "-m", "daphne"]
    argv += ["--bind", HOST, "--port", str(port), "--proxy-headers", "--access-log", "/dev/null", APPS[side]]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for_port(proc: subprocess.Popen, port: int, timeout: float = 90) -> None:
    def listening() -> bool:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True

    wait_until_ready(proc, "daphne", listening, timeout)


def peer(env: dict[str, str], *args: Any) -> subprocess.Popen:
    argv = [sys.executable, "-m", "tests.bench.ws_peers", *map(str, args)]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def json_line(proc: subprocess.Popen, what: str) -> dict[str, Any]:
    line = proc.stdout.readline()
    try:
        return json.loads(line)
    except ValueError:
        raise BenchError(f"{what} printed {line!r} (exit code {proc.poll()})") from None


def side_environment(env: dict[str, str], side: str, layer: str) -> dict[str, str]:
    # Names of the run's own in Redis, so what an earlier run left there costs this one nothing.
    run = uuid.uuid4().hex[:8]
    env = {**env, "BENCH_WS_GROUP": f"bench.bare.{run}", "BENCH_WS_PREFIX": f"bench-ws-{run}", "BENCH_WS_LAYER": layer}
    if side == PLATFORM:
        env["DJANGO_SETTINGS_MODULE"] = "tests.bench.ws_settings"
    return env


def run_side(name: str, env: dict[str, str], args: argparse.Namespace, workdir: Path) -> Side:
    env, side = side_environment(env, name, args.layer), Side(name, wanted=args.sockets)
    port, total = free_port(), args.events + args.warmup
    procs = args.client_procs
    shares = [args.sockets // procs + (i < args.sockets % procs) for i in range(procs)]
    concurrency = args.concurrency if name == PLATFORM else args.bare_concurrency
    log_path = workdir / f"daphne-{name}.log"
    with log_path.open("w") as log:
        server = start_daphne(env, name, port, log, args.profile)
        clients: list[subprocess.Popen] = []
        try:
            wait_for_port(server, port)
            for index, count in enumerate(shares):
                out = workdir / f"latencies-{name}-{index}.bin"
                clients.append(
                    peer(env, "clients", "--url", f"ws://{HOST}:{port}/ws", "--count", count, "--events", total,
                         "--warmup", args.warmup, "--concurrency", concurrency, "--latencies", out)
                )  # fmt: skip
            for client in clients:
                ready = json_line(client, "a client process")
                side.sockets += ready["ready"]
                side.subscribe_seconds = max(side.subscribe_seconds, ready["seconds"])
                for error, count in ready["errors"].items():
                    side.open_errors[error] = side.open_errors.get(error, 0) + count
            cpu_before = cpu_seconds(server.pid)
            publisher = peer(env, "publish", "--side", name, "--events", total, "--rate", args.rate)
            sent = json_line(publisher, "the publisher")
            publisher.wait(timeout=60)
            side.published = sent["published"]
            for client in clients:
                client.stdin.write(f"published {args.idle} {args.drain}\n")
                client.stdin.flush()
            last_at = 0.0
            for index, client in enumerate(clients):
                done = json_line(client, "a client process")
                client.wait(timeout=60)
                side.received += done["received"]
                side.duplicates += done["duplicates"]
                side.out_of_order += done["out_of_order"]
                side.client_cpu += done["cpu"]
                last_at = max(last_at, done["last_at"])
                for code, count in done["closed"].items():
                    side.closed[code] = side.closed.get(code, 0) + count
                side.latencies.frombytes((workdir / f"latencies-{name}-{index}.bin").read_bytes())
            side.server_cpu = cpu_seconds(server.pid) - cpu_before
            side.span = last_at - sent["first_at"]
            side.expected = side.sockets * total
        finally:
            for proc in clients:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            stop_server(server)
    side.log_errors = [line.rstrip() for line in log_path.open(errors="replace") if LOG_ERRORS.search(line)]
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
        (args.logs / log_path.name).write_bytes(log_path.read_bytes())
    return side


HEADS = ("sockets", "subscr s", "delivered", "missing", "dup", "order", "p50 ms", "p95 ms", "p99 ms", "max ms",
         "deliv/s", "ws cpu s", "µs/deliv", "client cpu", "log err")  # fmt: skip


def row(label: str, side: Side) -> str:
    ms = [side.percentile(p) * 1000 for p in (50, 95, 99)] + [max(side.latencies, default=0) * 1000]
    cells = (
        side.sockets, f"{side.subscribe_seconds:.1f}", side.received, side.missing, side.duplicates,
        side.out_of_order, *(f"{x:.1f}" for x in ms), f"{side.deliveries_per_second:.0f}",
        f"{side.server_cpu:.1f}", f"{side.cpu_per_delivery * 1e6:.0f}", f"{side.client_cpu:.1f}", len(side.log_errors),
    )  # fmt: skip
    return f"{label:<6} {side.name:<9} " + " ".join(f"{cell:>10}" for cell in cells)


def merged(sides: list[Side]) -> Side:
    total = Side(sides[0].name)
    for side in sides:
        total.latencies.extend(side.latencies)
        total.received += side.received
        total.span += side.span
        total.server_cpu += side.server_cpu
    return total


def report(sides: list[Side]) -> None:
    print(f"{'round':<6} {'side':<9} " + " ".join(f"{head:>10}" for head in HEADS))
    for index, side in enumerate(sides):
        print(row(f"{index // 2 + 1}", side))
    for side in sides:
        for problem in side.problems():
            print(f"  {side.name}: {problem}")
    platform = [s for s in sides if s.name == PLATFORM]
    bare = [s for s in sides if s.name == BARE]
    if platform and bare:
        ours, theirs = merged(platform), merged(bare)
        latency = {p: ours.percentile(p) / theirs.percentile(p) for p in (50, 95, 99)}
        print(
            f"ratio (platform ÷ bare group_send) p50 latency: {latency[50]:.3g}, p95: {latency[95]:.3g}, "
            f"p99: {latency[99]:.3g}\n"
            f"                                   deliveries/s: "
            f"{ours.deliveries_per_second / theirs.deliveries_per_second:.2f}, "
            f"ws CPU per delivery: {ours.cpu_per_delivery / theirs.cpu_per_delivery:.2f}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench ws_fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000, help="subscribers per side (1000)")
    parser.add_argument("--events", type=int, default=1000, help="timed events per side (1000)")
    parser.add_argument("--warmup", type=int, default=20, help="events first, counted for loss, not timed (20)")
    parser.add_argument("--rate", type=float, default=5, help="events published per second, 0: at once (5)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds; the side order alternates (1)")
    parser.add_argument("--side", choices=(PLATFORM, BARE, "both"), default="both")
    parser.add_argument("--layer", choices=("core", "pubsub"), default="core", help="channels-redis layer (core)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes sharing the sockets (2)")
    parser.add_argument("--concurrency", type=int, default=500, help="platform sockets opened at once per client (500)")
    parser.add_argument("--bare-concurrency", type=int, default=20, help="the same for the baseline (20)")
    parser.add_argument("--idle", type=float, default=10, help="stop once no event came for this long (10 s)")
    parser.add_argument("--drain", type=float, default=60, help="at most this long after publishing (60 s)")
    parser.add_argument("--logs", type=Path, help="keep each daphne's log as DIR/daphne-<side>.log")
    parser.add_argument("--profile", type=Path, help="run each daphne under cProfile, into DIR/daphne-<side>.prof")
    args = parser.parse_args(argv)
    counts = (args.sockets, args.events, args.rounds, args.client_procs, args.concurrency, args.bare_concurrency)
    if min(counts) < 1 or args.rate < 0 or args.warmup < 0:
        parser.error("counts must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limit = raise_fd_limit(args.sockets + 1024)
    env, _ = server_environment()
    env["PYTHONUNBUFFERED"] = "1"
    names = [PLATFORM, BARE] if args.side == "both" else [args.side]
    print(
        f"WebSocket fan-out of ticker.BTC_USDT: {args.sockets} subscribers, {args.events} events "
        f"(+{args.warmup} warm-up) at {args.rate or 'max'}/s; one daphne per side, production settings, "
        f"channels-redis {args.layer} layer on {env['REDIS_URL']}\n"
        f"platform: config.asgi, published with apps.core.streams.publish, sockets opened {args.concurrency} "
        f"at once per client\nbare: raw group_send to a bare consumer, sockets opened {args.bare_concurrency} at once "
        f"per client\n{args.client_procs} client processes, open-file limit {limit}\n",
        flush=True,
    )
    sides: list[Side] = []
    with tempfile.TemporaryDirectory(prefix="ws-fanout-") as tmp:
        try:
            for round_ in range(args.rounds):
                for name in names if round_ % 2 == 0 else names[::-1]:
                    sides.append(run_side(name, env, args, Path(tmp)))
                    print(f"  {name}: {sides[-1].received} deliveries", flush=True)
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 1
    report(sides)
    return 1 if any(side.problems() for side in sides if side.name == PLATFORM) else 0
