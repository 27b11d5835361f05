"""The risk decision loop (`decide_trade`) per ticket, against the bare arithmetic of its four
size constraints written inline (the baseline), over many varied tickets.

Pure Python, no Django, no database: the loop is a pure function, so this measures exactly
what it costs on top of the sizing a caller could not skip. Both sides run over the same
tickets, limits and accounts, alternately, for a few rounds; an empty function call over the
same inputs is timed too, to show the floor of a Python call per ticket.

    python -m tests.bench decision [--tickets N] [--rounds R] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from apps.trades.decision import AccountSnapshot, Limits, TakeProfit, Ticket, decide_trade, validate_ticket

DECIDE = "decide_trade"
BARE = "bare size arithmetic"
EMPTY = "empty call"
HUNDRED = Decimal(100)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench decision", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets per round (default 100000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side, alternating (default 5)")
    parser.add_argument("--seed", type=int, default=4, help="RNG seed for the tickets (default 4)")
    return parser.parse_args(argv)


# --- inputs ---------------------------------------------------------------------------------


def _price(rng: random.Random, low: float, high: float, places: int = 2) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.{places}f}")


def build_cases(count: int, seed: int) -> list[tuple[Ticket, Limits, AccountSnapshot]]:
    """Buys and sells with and without stops, zero to four targets, a quantity or a request for
    the largest size, lot steps, and limits/accounts that approve some and reject others."""
    rng = random.Random(seed)
    limits = [
        Limits(
            account_risk_percent=_price(rng, 0.25, 3),
            max_risk_amount=_price(rng, 50, 5000),
            max_position_size=_price(rng, 0.1, 20, 4),
            max_leverage=rng.choice([1, 3, 5, 10, 20, 50]),
            daily_max_drawdown_percent=_price(rng, 2, 10),
            max_open_positions=rng.randint(1, 10),
            require_stop_loss=rng.random() < 0.7,
            min_risk_reward_ratio=_price(rng, 0.5, 3),
        )
        for _ in range(32)
    ]
    accounts = []
    for _ in range(64):
        start = _price(rng, 1000, 1_000_000)
        accounts.append(
            AccountSnapshot(
                equity=(start * Decimal(f"{rng.uniform(0.9, 1.2):.4f}")).quantize(Decimal("0.01")),
                starting_equity=start,
                open_positions=rng.randint(0, 6),
            )
        )
    cases = []
    while len(cases) < count:
        side = rng.choice(("buy", "sell"))
        sign = 1 if side == "buy" else -1
        entry = _price(rng, 1, 100_000)
        distance = entry * Decimal(f"{rng.uniform(0.002, 0.1):.4f}")
        stop = (entry - sign * distance).quantize(Decimal("0.01")) if rng.random() < 0.8 else None
        quantity = _price(rng, 0.001, 5, 3) if rng.random() < 0.7 else None
        targets = []
        for index in range(rng.randint(0, 4)):
            price = (entry + sign * distance * Decimal(index + 1) * Decimal("1.2")).quantize(Decimal("0.01"))
            targets.append(TakeProfit(price=price, quantity=Decimal(0)))
        if targets and quantity is not None:
            share = (quantity / len(targets)).quantize(Decimal("0.001"))
            targets = [TakeProfit(t.price, share) for t in targets[:-1]] + [
                TakeProfit(targets[-1].price, quantity - share * (len(targets) - 1))
            ]
        ticket = Ticket(
            symbol="BTC_USDT",
            side=side,
            quantity=quantity,
            entry_price=entry,
            stop_loss_price=stop,
            take_profits=tuple(targets),
            leverage=rng.choice([1, 2, 3, 5, 10, 25]),
            kind="group" if rng.random() < 0.8 else "order",
            quantity_step=rng.choice([None, Decimal("0.001"), Decimal("0.01")]),
        )
        if validate_ticket(ticket):
            continue  # an inconsistent ticket never reaches the loop
        cases.append((ticket, rng.choice(limits), rng.choice(accounts)))
    return cases


# --- the three sides ------------------------------------------------------------------------


def run_decide(cases: list[tuple[Ticket, Limits, AccountSnapshot]]) -> int:
    approved = 0
    for ticket, limits, account in cases:
        approved += decide_trade(ticket, limits, account).approved
    return approved


def run_bare(cases: list[tuple[Ticket, Limits, AccountSnapshot]]) -> int:
    """The four size constraints and the size check, inline, in the default Decimal context."""
    fits = 0
    for ticket, limits, account in cases:
        equity = account.equity
        largest = min(limits.max_position_size, equity * limits.max_leverage / ticket.entry_price)
        if ticket.stop_loss_price is not None:
            per_unit = abs(ticket.entry_price - ticket.stop_loss_price)
            largest = min(
                largest, equity * limits.account_risk_percent / HUNDRED / per_unit, limits.max_risk_amount / per_unit
            )
        quantity = largest if ticket.quantity is None else ticket.quantity
        fits += 0 < quantity <= largest
    return fits


def _nothing(ticket: Ticket, limits: Limits, account: AccountSnapshot) -> bool:
    return True


def run_empty(cases: list[tuple[Ticket, Limits, AccountSnapshot]]) -> int:
    done = 0
    for ticket, limits, account in cases:
        done += _nothing(ticket, limits, account)
    return done


SIDES: dict[str, Callable[[list], int]] = {DECIDE: run_decide, BARE: run_bare, EMPTY: run_empty}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.tickets < 1 or args.rounds < 1:
        print("bench failed: --tickets and --rounds must be at least 1", file=sys.stderr)
        return 1
    began = time.perf_counter()
    cases = build_cases(args.tickets, args.seed)
    print(
        f"decide_trade per ticket vs the bare arithmetic of its four size constraints (inline)\n"
        f"{len(cases):,} varied tickets (seed {args.seed}, built in {time.perf_counter() - began:.1f}s), "
        f"{args.rounds} round(s) per side, alternating, after one warm-up pass each\n",
        flush=True,
    )
    counts = {name: run(cases) for name, run in SIDES.items()}  # warm-up, and the outcome counts
    timings: dict[str, list[float]] = {name: [] for name in SIDES}
    for round_index in range(args.rounds):
        order = list(SIDES) if round_index % 2 == 0 else list(reversed(SIDES))
        for name in order:
            start = time.perf_counter()
            SIDES[name](cases)
            timings[name].append((time.perf_counter() - start) / len(cases) * 1e6)
        print(
            f"round {round_index + 1}: "
            + ", ".join(f"{name} {timings[name][-1]:.2f} us" for name in SIDES)
            + f"; ratio {timings[DECIDE][-1] / timings[BARE][-1]:.2f}",
            flush=True,
        )
    print()
    for name in SIDES:
        values = timings[name]
        print(f"{name:<22} median {statistics.median(values):7.2f} us/ticket, best {min(values):7.2f} us/ticket")
    print(
        f"outcomes: {counts[DECIDE]:,} approved by decide_trade; {counts[BARE]:,} within the four size "
        f"constraints alone (the other rules reject the rest)\n"
    )
    decide, bare, empty = (statistics.median(timings[name]) for name in (DECIDE, BARE, EMPTY))
    print(f"ratio (decide_trade ÷ bare size arithmetic) per ticket, median: {decide / bare:.2f}")
    print(f"ratio (decide_trade ÷ empty call) per ticket, median: {decide / empty:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
