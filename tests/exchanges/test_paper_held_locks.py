"""A transaction that places several batches for one account locks and reads its prices and books
once (`apps.exchanges.paper.held`), and never trusts them past a rollback."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.exchanges.models import PaperBalance, PaperOrder
from apps.exchanges.paper import engine
from apps.exchanges.venues.base import InsufficientFunds, OrderRequest
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.django_db(transaction=True)

_ids = iter(range(1, 1_000_000))


@pytest.fixture
def account():
    """Funded for one resting buy of 1 BTC at 40000 (1x), not two."""
    account = FundedPaperAccountFactory()
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    PaperBalance.objects.filter(account=account, asset="USDT").update(total=D("60000"))
    return account


def bid(account):
    request = OrderRequest(
        symbol="BTC_USDT",
        side="buy",
        order_type="limit",
        quantity=D("1"),
        price=D("40000"),
        client_order_id=f"held{next(_ids)}",
        leverage=1,
    )
    return engine.place_order(account=account, request=request)


def locks(queries) -> int:
    return sum(" FOR UPDATE" in query["sql"] for query in queries)


def test_a_second_batch_in_the_same_transaction_takes_no_lock_again_and_counts_the_first(account):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as first:
            bid(account)
        with CaptureQueriesContext(connection) as second, pytest.raises(InsufficientFunds):
            bid(account)

    assert locks(first) == 2  # the price, then the balance
    assert locks(second) == 0
    assert PaperOrder.objects.count() == 1


def test_a_batch_alone_in_its_transaction_keeps_nothing(account):
    bid(account)
    with CaptureQueriesContext(connection) as again, pytest.raises(InsufficientFunds):
        bid(account)

    assert locks(again) == 2


def test_what_a_rolled_back_savepoint_read_is_read_again(account):
    with transaction.atomic():
        try:
            with transaction.atomic():
                bid(account)
                raise RuntimeError
        except RuntimeError:
            pass
        with CaptureQueriesContext(connection) as after:
            bid(account)  # the first bid is gone: its margin is free again

    assert locks(after) == 2
    assert PaperOrder.objects.count() == 1


def test_a_price_move_in_between_drops_what_was_kept(account):
    with transaction.atomic():
        bid(account)
        engine.set_price(symbol="BTC_USDT", price=D("50500"))
        with CaptureQueriesContext(connection) as after, pytest.raises(InsufficientFunds):
            bid(account)

    assert locks(after) == 2
