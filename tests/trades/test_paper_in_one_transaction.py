"""On the paper exchange a trade group, its orders and the exchange's own writes commit in one
transaction (`Venue.transactional`): a failure anywhere on the way leaves no part of the trade."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from apps.exchanges.models import PaperBalance, PaperFill, PaperOrder, PaperPosition
from apps.exchanges.paper import engine
from apps.trades.models import Fill, Order, TradeGroup
from tests.trades.conftest import SEED_TICKET

pytestmark = pytest.mark.django_db(transaction=True)

MARKET = {**{k: v for k, v in SEED_TICKET.items() if k != "entry_price"}, "entry_type": "market"}


class Crash(Exception):
    """What no code path expects: a lost connection, a bug."""


def balances(account) -> dict[str, Decimal]:
    return dict(PaperBalance.objects.filter(account=account).values_list("asset", "total"))


def assert_nothing_written(account, before: dict[str, Decimal]) -> None:
    assert not TradeGroup.objects.exists()
    assert not Order.objects.exists()
    assert not Fill.objects.exists()
    assert not PaperOrder.objects.exists()
    assert not PaperFill.objects.exists()
    assert not PaperPosition.objects.exclude(quantity=0).exists()
    assert balances(account) == before


def test_a_paper_exchange_that_fails_placing_the_entry_leaves_no_group(open_trade, paper_account):
    before = balances(paper_account)
    real = engine._save

    def save_then_crash(orders):
        real(orders)  # the resting entry is written, then the exchange fails
        raise Crash

    with mock.patch.object(engine, "_save", side_effect=save_then_crash), pytest.raises(Crash):
        open_trade()

    assert_nothing_written(paper_account, before)


def test_a_failure_after_the_entry_filled_undoes_the_fill_and_leaves_no_group(open_trade, paper_account):
    before = balances(paper_account)
    real = engine.place_orders
    calls = []

    def fill_then_crash(**kwargs):
        calls.append(kwargs["requests"])
        if len(calls) == 2:  # the stop and the targets, after the market entry filled
            raise Crash
        return real(**kwargs)

    with mock.patch.object(engine, "place_orders", side_effect=fill_then_crash), pytest.raises(Crash):
        open_trade(MARKET)

    assert len(calls) == 2
    assert_nothing_written(paper_account, before)
