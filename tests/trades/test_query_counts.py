"""The queries of POST /api/v1/trades and of its baselines, pinned at what `python -m tests.bench
trades` reports: the bench's own trader, tickets and calls, counted on an account that already
holds live groups on the symbol (resting orders, for the baselines), and again with more of them,
so a cost that grows with the trader's open trades, or a new query per order, fails here."""

from __future__ import annotations

import argparse

import pytest

from tests.bench.trades_api import BARE, BARE_ALL, CASES, COUNTED_AFTER, DECISION, ENDPOINT, FLOOR, Bench

# Committed for real, as in the bench: an outermost transaction's BEGIN and COMMIT count too.
# The bench's URLs: the project's and its hand-written floor's.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.bench.trades_floor")]

# A market entry fills at once, and its stop and both targets go out in one venue call; a limit
# entry rests and its legs wait. The baselines are the bare paper-exchange calls, one per order.
# A write always reads its session from the database (the auth cache serves reads only). The
# hand-written floor is the session, the account and the bare calls, nothing more.
QUERIES = {
    "market": {ENDPOINT: 39, FLOOR: 38, BARE: 12, BARE_ALL: 36, DECISION: 0},
    "limit": {ENDPOINT: 24, FLOOR: 10, BARE: 8, BARE_ALL: 8, DECISION: 0},
}
MORE = COUNTED_AFTER + 3


@pytest.mark.parametrize("entry", list(QUERIES))
def test_each_call_costs_the_queries_the_bench_reports_however_many_groups_are_live(entry):
    bench = Bench(argparse.Namespace())
    counted = {}
    for target, call in bench.calls(CASES[entry]).items():
        account = bench.fresh_account()
        for _ in range(COUNTED_AFTER):
            call(account)
        counted[target, COUNTED_AFTER] = bench.counted(call, account)
        for _ in range(MORE - COUNTED_AFTER - 1):
            call(account)
        counted[target, MORE] = bench.counted(call, account)

    lives = (COUNTED_AFTER, MORE)
    assert counted == {(target, live): count for target, count in QUERIES[entry].items() for live in lives}
