"""`place_orders`: several orders of one account placed in turn, each as `place_order` would."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from apps.exchanges.models import PaperOrder
from apps.exchanges.paper import engine
from apps.exchanges.venues.base import InsufficientFunds, InvalidOrder, OrderRequest
from apps.exchanges.venues.paper import PaperVenue
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    account = FundedPaperAccountFactory()
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    return account


def request(client_order_id, side, order_type="limit", quantity="0.1", **fields):
    fields = {key: D(value) if key in ("price", "stop_price") else value for key, value in fields.items()}
    return OrderRequest(
        symbol="BTC_USDT",
        side=side,
        order_type=order_type,
        quantity=D(quantity),
        client_order_id=client_order_id,
        **fields,
    )


def test_a_refused_order_is_answered_in_its_place_and_the_others_are_placed(account):
    answers = engine.place_orders(
        account=account,
        requests=[
            request("a", "buy", price="49000"),
            request("b", "sell", price="51000", reduce_only=True),  # no long to reduce
            request("c", "buy", price="48000"),
        ],
    )

    first, refused, last = answers
    assert isinstance(refused, InvalidOrder)
    assert (first.status, last.status) == ("open", "open")
    assert list(PaperOrder.objects.order_by("id").values_list("client_order_id", flat=True)) == ["a", "c"]


def test_the_orders_of_a_batch_share_the_margin_as_separate_calls_would(account):
    # 100000 USDT: each order alone fits, the second does not fit beside the first.
    answers = engine.place_orders(
        account=account,
        requests=[
            request("a", "buy", quantity="1.5", price="40000"),
            request("b", "buy", quantity="1.5", price="40000"),
        ],
    )

    assert answers[0].status == "open"
    assert isinstance(answers[1], InsufficientFunds)
    assert PaperOrder.objects.count() == 1


def test_placing_stops_after_an_order_that_fills(account):
    answers = engine.place_orders(
        account=account,
        requests=[
            request("entry", "buy", "market"),
            request("stop", "sell", "stop", stop_price="49000", reduce_only=True),
        ],
    )

    assert answers[0].status == "filled"
    assert answers[1] is None
    assert list(PaperOrder.objects.values_list("client_order_id", flat=True)) == ["entry"]


def test_a_client_id_sent_before_answers_the_order_it_placed(account):
    placed = engine.place_order(account=account, request=request("a", "buy", price="49000"))

    answers = PaperVenue(account).place_orders([request("a", "buy", price="45000"), request("b", "buy", price="48000")])

    assert (answers[0].venue_order_id, answers[0].price) == (str(placed.pk), D("49000"))
    assert answers[1].status == "open"
    assert PaperOrder.objects.count() == 2
