"""What the paired benchmarks share: a timed run per side, their common options and the report
that sets each endpoint beside its baseline and prints the ratio."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field


@dataclass
class Run:
    case: str
    target: str
    queries: int
    latencies: list[float] = field(default_factory=list, repr=False)

    def ms(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000


def add_pair_options(parser: argparse.ArgumentParser, *, requests: int, time_limit: float, unit: str) -> None:
    per_round = f"{unit} per side per case per round ({requests})"
    parser.add_argument("--requests", type=int, default=requests, help=per_round)
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the side order alternates (3)")
    parser.add_argument("--warmup", type=int, default=20, help=f"unmeasured {unit} per side per case first (20)")
    parser.add_argument(
        "--time-limit", type=float, default=time_limit, help=f"seconds at most per side per round ({time_limit:g})"
    )


def check_pair_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    if min(args.requests, args.rounds) < 1 or args.warmup < 0:
        parser.error("counts must be positive")
    if args.requests < 20:
        parser.error("--requests must be at least 20 for percentiles to mean something")
    return args


def report(pairs: list[tuple[Run, Run]], *, expected: int, ratio: str | None = None, unit: str = "requests") -> None:
    """A row per run, then `ratio (<ratio>) <case> mean, p50, p95` per pair; without `ratio` the
    label names the pair's two targets. A baseline shared by several pairs is listed once."""
    case_width = max([len("case"), *(len(run.case) for pair in pairs for run in pair)])
    target_width = max([len("target"), *(len(run.target) for pair in pairs for run in pair)])
    print(
        f"{'case':<{case_width}} {'target':<{target_width}} {unit:>8} {'mean ms':>8} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'queries':>8}"
    )
    listed: set[int] = set()
    for endpoint, bare in pairs:
        for run in (bare, endpoint):
            if id(run) in listed:
                continue
            listed.add(id(run))
            short = "*" if len(run.latencies) < expected else ""
            print(
                f"{run.case:<{case_width}} {run.target:<{target_width}} {str(len(run.latencies)) + short:>8} "
                f"{run.mean_ms:>8.3f} {run.ms(50):>8.3f} {run.ms(95):>8.3f} {run.queries:>8}"
            )
    if any(len(r.latencies) < expected for pair in pairs for r in pair):
        print("* stopped at --time-limit in some round")
    print()
    for endpoint, bare in pairs:
        label = ratio or f"{endpoint.target} ÷ {bare.target}"
        ratios = ", ".join(
            f"{name}: {_ratio(got, base)}"
            for name, got, base in (
                ("mean", endpoint.mean_ms, bare.mean_ms),
                ("p50", endpoint.ms(50), bare.ms(50)),
                ("p95", endpoint.ms(95), bare.ms(95)),
            )
        )
        print(f"ratio ({label}) {endpoint.case:<{case_width}} {ratios}")


def _ratio(value: float, baseline: float) -> str:
    """Two decimals, or three significant digits for a ratio far below one (a pure function
    against a database write)."""
    ratio = value / baseline
    return f"{ratio:6.2f}" if ratio >= 0.1 else f"{ratio:6.2e}"
