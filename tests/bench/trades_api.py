"""POST /api/v1/trades end to end on the paper exchange (entry + stop-loss + two take-profits),
against the bare paper-exchange order call of the same entry (the baseline), in the same run.

The endpoint is called in-process through Django's test Client with a Bearer token (the full
middleware stack, DRF, the idempotency check, the venue read and the decision loop, the group's
rows, the entry sent to the paper exchange, the stream events and the response), the baseline is
`PaperVenue(account).place_order(...)` of the same entry. Production settings (DEBUG off); a
fresh SQLite database unless DATABASE_URL is set.

    python -m tests.bench trades [--requests N] [--rounds R] [--warmup W] [--entry limit|market|both]
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


@dataclass(frozen=True)
class Case:
    """A limit entry rests below the market; a market entry fills, and the endpoint then also
    sends the stop and both targets: the baseline is the one entry order either way."""

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

        def bare(account: Any) -> None:
            order = PaperVenue(account).place_order(
                OrderRequest(
                    symbol=SYMBOL,
                    side="buy",
                    order_type=case.entry_type,
                    quantity=QUANTITY,
                    client_order_id=new_client_order_id(),
                    price=case.entry_price,
                    leverage=LEVERAGE,
                )
            )
            if order.status != case.order_status:
                raise BenchError(f"the paper exchange answered {order.status}, not {case.order_status}")

        decide = self.decision_call(case)
        return {ENDPOINT: endpoint, DECISION: lambda account: decide(), BARE: bare}

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

    def measure(self, case: Case) -> list[tuple[Run, Run]]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        calls = self.calls(case)
        runs = {}
        for target, call in calls.items():  # pre-flight: it answers as expected; count its queries
            account = self.fresh_account()
            with CaptureQueriesContext(connection) as captured:
                call(account)
            runs[target] = Run(case.name, target, len(captured))
        for call in calls.values():
            account = self.fresh_account()
            for _ in range(self.args.warmup):
                call(account)
        for index in range(self.args.rounds):
            for target in (BARE, DECISION, ENDPOINT) if index % 2 == 0 else (ENDPOINT, DECISION, BARE):
                call, latencies, account = calls[target], runs[target].latencies, self.fresh_account()
                deadline = time.perf_counter() + self.args.time_limit
                for _ in range(self.args.requests):
                    began = time.perf_counter()
                    call(account)
                    latencies.append(time.perf_counter() - began)
                    if began > deadline:
                        break
        return [(runs[ENDPOINT], runs[BARE]), (runs[DECISION], runs[BARE])]


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench trades", description=__doc__.split("\n\n")[0])
    add_pair_options(parser, requests=150, time_limit=20, unit="calls")
    parser.add_argument("--entry", choices=["limit", "market", "both"], default="both", help="entry types (both)")
    return check_pair_options(parser, parser.parse_args(argv))


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
        f"order call of the same entry\n"
        f"database {connection.vendor} ({where}); in-process Django test Client with a Bearer token, DEBUG off; "
        f"{SYMBOL} x {QUANTITY} at {LEVERAGE}x; a fresh paper account per side per round\n"
        f"{args.rounds} round(s) x {args.requests} calls per side per case, after {args.warmup} warm-up calls each\n",
        flush=True,
    )
    try:
        bench = Bench(args)
        pairs = [pair for case in cases for pair in bench.measure(case)]
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    report(pairs, expected=args.requests * args.rounds, unit="calls")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
