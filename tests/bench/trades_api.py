"""POST /api/v1/trades end to end on the paper exchange (entry + stop-loss + two take-profits),
against two baselines measured in the same run: the bare paper-exchange order call of the entry,
and the bare paper-exchange calls of every order the trade sends (entry, stop and both targets
once a market entry fills; the entry alone for a limit entry, whose legs wait for its fill).

The endpoint is called in-process through Django's test Client with a Bearer token (the full
middleware stack, DRF, the idempotency check, the venue read and the decision loop, the group's
rows, its orders sent to the paper exchange, the stream events and the response), a baseline is
`PaperVenue(account).place_order(...)` of the same orders, one call each. Production settings
(DEBUG off); a fresh SQLite database unless DATABASE_URL is set.

    python -m tests.bench trades [--requests N] [--rounds R] [--warmup W] [--entry limit|market|both]
                                 [--groups-per-account K]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench.auth_me import HOST, ROOT, VAR_DIR, BenchError, server_environment
from tests.bench.pairs import Run, add_pair_options, check_pair_options, report

SQLITE_PATH = VAR_DIR / "bench-trades.sqlite3"
SYMBOL = "BTC_USDT"  # the paper market opens at 50000
QUANTITY = Decimal("0.002")
LEVERAGE = 10
# Enough quote asset that thousands of resting entries never run out of margin.
STARTING_BALANCE = "1000000000"

ENDPOINT = "POST /trades"
DECISION = "decision loop"
BARE = "bare paper order"
BARE_ALL = "bare paper orders (all legs)"
FLOOR = "hand-written floor"
FLOOR_PATH = "/bench/trade-floor"  # tests/bench/trades_floor.py
# Live groups already on the symbol when a call's queries are counted: the count the suite pins
# (tests/trades/test_query_counts.py).
COUNTED_AFTER = 2


@dataclass(frozen=True)
class Case:
    """A limit entry rests below the market; a market entry fills, and the endpoint then also
    sends the stop and both targets."""

    entry_type: str
    entry_price: Decimal | None
    stop: Decimal
    targets: tuple[Decimal, Decimal]
    group_status: str  # the endpoint's answer
    order_status: str  # the baseline's answer

    @property
    def name(self) -> str:
        return f"{self.entry_type} entry"

    def body(self, account_id: str) -> dict[str, Any]:
        half = str(QUANTITY / 2)
        body: dict[str, Any] = {
            "exchange_account_id": account_id,
            "symbol": SYMBOL,
            "side": "buy",
            "entry_type": self.entry_type,
            "quantity": str(QUANTITY),
            "stop_loss_price": str(self.stop),
            "take_profit": [{"price": str(price), "quantity": half} for price in self.targets],
            "leverage": LEVERAGE,
            "idempotency_key": uuid.uuid4().hex,
        }
        if self.entry_price is not None:
            body["entry_price"] = str(self.entry_price)
        return body

    def orders(self) -> list[tuple[dict[str, Any], str]]:
        """Every order the endpoint sends (as OrderRequest fields) and the status the paper
        exchange answers it with: the entry, then (a market entry fills at once) the stop and the
        targets, reduce-only."""
        entry = {"side": "buy", "order_type": self.entry_type, "quantity": QUANTITY, "price": self.entry_price}
        orders = [({**entry, "leverage": LEVERAGE}, self.order_status)]
        if self.order_status != "filled":
            return orders
        exit_leg = {"side": "sell", "reduce_only": True}
        orders.append(({**exit_leg, "order_type": "stop", "quantity": QUANTITY, "stop_price": self.stop}, "open"))
        for price in self.targets:
            orders.append(({**exit_leg, "order_type": "limit", "quantity": QUANTITY / 2, "price": price}, "open"))
        return orders


CASES = {
    "limit": Case("limit", Decimal("49000"), Decimal("48500"), (Decimal("50000"), Decimal("51000")), "open", "open"),
    "market": Case("market", None, Decimal("49500"), (Decimal("50500"), Decimal("51000")), "active", "filled"),
}


# --- measurement ----------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from django.test import Client

        from apps.accounts.services import ClientInfo, start_session
        from apps.accounts.services.demo import ensure_demo_user
        from apps.trades.services.risk import update_risk_config

        self.args = args
        # A new trader per run: a DATABASE_URL the bench did not make is only ever added to.
        email = f"bench-trades-{uuid.uuid4().hex[:8]}@bench.invalid"
        self.user = ensure_demo_user(email=email, password=uuid.uuid4().hex, role="OPERATOR")
        # Every measured trade stays open: the limit on open positions must not refuse the last.
        update_risk_config(user=self.user, data={"max_open_positions": 32767, "max_leverage": 100})
        tokens = start_session(user=self.user, kind="WEB", method="password", client=ClientInfo(user_agent="bench"))
        self.headers = {"Authorization": f"Bearer {tokens.access_token}"}
        self.client = Client(HTTP_HOST=HOST)

    def fresh_account(self):
        """A funded paper account of the bench trader: each side of each round starts from an
        empty book, so neither side pays for the other's resting orders."""
        from apps.exchanges.models import AccountKind, ExchangeAccount
        from apps.exchanges.paper.engine import fund_account

        account = ExchangeAccount.objects.create(
            user=self.user, exchange_name="paper", kind=AccountKind.PAPER, label="bench"
        )
        fund_account(account=account)
        return account

    def calls(self, case: Case) -> dict[str, Callable[[Any], None]]:
        from apps.exchanges.venues.base import OrderRequest
        from apps.exchanges.venues.paper import PaperVenue
        from apps.trades.models import new_client_order_id

        def endpoint(account: Any) -> None:
            response = self.client.post(
                "/api/v1/trades", case.body(str(account.id)), content_type="application/json", headers=self.headers
            )
            if response.status_code != 201 or response.json().get("status") != case.group_status:
                raise BenchError(f"POST /api/v1/trades answered {response.status_code}: {response.content[:600]!r}")

        def floor(account: Any) -> None:
            response = self.client.post(
                FLOOR_PATH, case.body(str(account.id)), content_type="application/json", headers=self.headers
            )
            statuses = [order["status"] for order in response.json().get("orders", [])]
            if response.status_code != 201 or statuses != [status for _, status in case.orders()]:
                raise BenchError(f"the hand-written floor answered {response.status_code}: {response.content[:600]!r}")

        def bare(orders: list[tuple[dict[str, Any], str]]) -> Callable[[Any], None]:
            def place(account: Any) -> None:
                venue = PaperVenue(account)
                for fields, expected in orders:
                    order = venue.place_order(
                        OrderRequest(symbol=SYMBOL, client_order_id=new_client_order_id(), **fields)
                    )
                    if order.status != expected:
                        raise BenchError(f"the paper exchange answered {order.status}, not {expected}")

            return place

        decide = self.decision_call(case)
        return {
            ENDPOINT: endpoint,
            FLOOR: floor,
            DECISION: lambda account: decide(),
            BARE: bare(case.orders()[:1]),
            BARE_ALL: bare(case.orders()),
        }

    def decision_call(self, case: Case) -> Callable[[], None]:
        """`decide_trade` on the endpoint's own ticket, limits and account state (read once)."""
        from apps.exchanges.venues.paper import PaperVenue
        from apps.trades.decision import AccountSnapshot, Limits, TakeProfit, Ticket, decide_trade
        from apps.trades.services.risk import risk_config_for

        limits = Limits.from_config(risk_config_for(user=self.user))
        equity = PaperVenue(self.fresh_account()).account_state(quote="USDT").equity
        snapshot = AccountSnapshot(equity=equity, starting_equity=equity, open_positions=0)
        ticket = Ticket(
            symbol=SYMBOL,
            side="buy",
            quantity=QUANTITY,
            entry_price=case.entry_price or Decimal("50000"),
            stop_loss_price=case.stop,
            take_profits=tuple(TakeProfit(price=price, quantity=QUANTITY / 2) for price in case.targets),
            leverage=LEVERAGE,
        )

        def decide() -> None:
            if not decide_trade(ticket, limits, snapshot).approved:
                raise BenchError("the decision loop rejected the bench ticket")

        return decide

    def counted(self, call: Callable[[Any], None], account: Any) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            call(account)
        return len(captured)

    def measure(self, case: Case) -> tuple[list[tuple[Run, Run]], dict[str, tuple[int, int]]]:
        """The pairs to report, and per target its queries per call with COUNTED_AFTER live groups
        (or resting orders) on the account and with `--groups-per-account` - 1 of them."""
        calls = self.calls(case)
        runs, growth = {}, {}
        for target, call in calls.items():  # pre-flight: it answers as expected; count its queries
            account = self.fresh_account()
            for _ in range(COUNTED_AFTER):
                call(account)
            runs[target] = Run(case.name, target, self.counted(call, account))
        for call in calls.values():
            account = self.fresh_account()
            for _ in range(self.args.warmup):
                call(account)
        analyze()
        per_account = self.args.groups_per_account
        for index in range(self.args.rounds):
            # The sides take turns call by call (in an order that flips each round), so a load that
            # comes and goes on a shared machine slows them alike.
            order = (BARE, BARE_ALL, FLOOR, DECISION, ENDPOINT)
            order = order if index % 2 == 0 else order[::-1]
            accounts: dict[str, Any] = {}
            deadline = time.perf_counter() + self.args.time_limit * len(order)
            for done in range(self.args.requests):
                if done % per_account == 0:
                    # A trader's live groups on one symbol stay a handful: each side moves to a
                    # fresh account every K calls.
                    accounts = {target: self.fresh_account() for target in order}
                for target in order:
                    began = time.perf_counter()
                    calls[target](accounts[target])
                    runs[target].latencies.append(time.perf_counter() - began)
                if time.perf_counter() > deadline:
                    break
        for target, call in calls.items():
            if target == DECISION:
                continue
            account = self.fresh_account()
            for _ in range(per_account - 1):
                call(account)
            growth[target] = (runs[target].queries, self.counted(call, account))
        pairs = [
            (runs[ENDPOINT], runs[BARE]),
            (runs[ENDPOINT], runs[BARE_ALL]),
            (runs[FLOOR], runs[BARE_ALL]),
            (runs[ENDPOINT], runs[FLOOR]),
            (runs[DECISION], runs[BARE]),
        ]
        return pairs, growth


def analyze() -> None:
    """Fresh planner statistics, as autovacuum or a periodic ANALYZE keeps them in production (a
    database this bench only adds to grows by thousands of orders a run; without statistics the
    planner may pick a global index over an account's own rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench trades", description=__doc__.split("\n\n")[0])
    add_pair_options(parser, requests=150, time_limit=20, unit="calls")
    parser.add_argument("--entry", choices=["limit", "market", "both"], default="both", help="entry types (both)")
    parser.add_argument(
        "--groups-per-account",
        type=int,
        default=10,
        help="calls on one paper account before a fresh one: at most K-1 live groups meet a call (10)",
    )
    args = check_pair_options(parser, parser.parse_args(argv))
    if args.groups_per_account <= COUNTED_AFTER:
        parser.error(f"--groups-per-account must be above {COUNTED_AFTER}")
    return args


def bench_environment() -> tuple[dict[str, str], bool]:
    """auth_me's production-like settings, a fresh SQLite file of this bench's own by default."""
    env, own_db = server_environment()
    if own_db:
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        VAR_DIR.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    env["PAPER_STARTING_BALANCE"] = STARTING_BALANCE
    return env, own_db


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env, own_db = bench_environment()
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # whitenoise, no collectstatic
    import django

    django.setup()
    from django.test.utils import override_settings

    # The project's URLs and the hand-written floor's.
    override_settings(ROOT_URLCONF="tests.bench.trades_floor").enable()
    from django.core.management import call_command
    from django.db import connection

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    where = (
        f"{SQLITE_PATH.relative_to(ROOT)}, migrated in {time.perf_counter() - began:.0f}s" if own_db else "DATABASE_URL"
    )
    cases = [CASES[name] for name in (("limit", "market") if args.entry == "both" else (args.entry,))]
    print(
        f"POST /api/v1/trades (entry + stop-loss + 2 take-profits, paper exchange) vs the bare paper-exchange "
        f"order call of the entry, and the bare calls of every order it sends (a market entry's stop and targets "
        f"too)\n"
        f"database {connection.vendor} ({where}); in-process Django test Client with a Bearer token, DEBUG off; "
        f"{SYMBOL} x {QUANTITY} at {LEVERAGE}x; a fresh paper account per side every {args.groups_per_account} "
        f"calls\n"
        f"{args.rounds} round(s) x {args.requests} calls per side per case, after {args.warmup} warm-up calls each; "
        f"queries counted with {COUNTED_AFTER} live groups (resting orders) on the account\n",
        flush=True,
    )
    try:
        bench = Bench(args)
        measured = [bench.measure(case) for case in cases]
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    report([pair for pairs, _ in measured for pair in pairs], expected=args.requests * args.rounds, unit="calls")
    print()
    for case, (_, growth) in zip(cases, measured, strict=True):
        counts = ", ".join(f"{target} {first} -> {last}" for target, (first, last) in growth.items())
        print(
            f"queries per call, {case.name}, with {COUNTED_AFTER} -> {args.groups_per_account - 1} live groups "
            f"on the account: {counts}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
