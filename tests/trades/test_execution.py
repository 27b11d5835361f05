"""The execution layer: sending, adopting, cancelling and following orders on the paper exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.exchanges.models import PaperOrder, PaperOrderStatus
from apps.exchanges.venues.base import InsufficientFunds, OrderRequest, VenueUnavailable
from apps.exchanges.venues.paper import PaperVenue
from apps.trades.execution import cancel_order, order_event, refresh_order, submit_order
from apps.trades.models import CLIENT_ORDER_PREFIX, Fill, Order, OrderStatus
from tests.trades.factories import OrderFactory


@pytest.fixture
def order_for(trader, paper_account):
    def make(**fields):
        return OrderFactory(user=trader, exchange_account=paper_account, **fields)

    return make


def test_every_order_gets_a_client_id_a_venue_accepts(order_for):
    order = order_for()

    assert order.client_order_id.startswith(CLIENT_ORDER_PREFIX)
    assert len(order.client_order_id) <= 36


def test_it_sends_an_order_and_records_the_venues_answer(order_for):
    order = order_for(price=Decimal("49000"))

    sent = submit_order(order_id=order.id)

    paper = PaperOrder.objects.get()
    assert (sent.status, sent.venue_order_id) == (OrderStatus.OPEN, str(paper.pk))
    assert paper.client_order_id == order.client_order_id


def test_a_filled_order_records_its_fills_once(order_for):
    order = order_for(order_type="market", price=None)

    sent = submit_order(order_id=order.id)
    refresh_order(order=sent)

    assert (sent.status, sent.filled_quantity, sent.average_price) == (OrderStatus.FILLED, Decimal("0.1"), 50000)
    fill = Fill.objects.get()
    assert (fill.order_id, fill.venue, fill.quantity, fill.price) == (order.id, "paper", Decimal("0.1"), 50000)
    assert fill.fee == Decimal("2")


def test_sending_twice_sends_once(order_for):
    order = order_for()

    submit_order(order_id=order.id)
    submit_order(order_id=order.id)
    submit_order(order_id=order.id, resend=True)

    assert PaperOrder.objects.count() == 1


def test_a_refusal_rejects_the_order_with_the_venues_reason(order_for):
    order = order_for(quantity=Decimal("100"))

    with pytest.raises(InsufficientFunds):
        submit_order(order_id=order.id)

    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    assert "margin" in order.error
    assert not PaperOrder.objects.exists()


def test_an_unreachable_venue_leaves_the_order_to_be_resent(order_for, monkeypatch):
    order = order_for()

    def down(self, request):
        raise VenueUnavailable("The exchange did not answer.")

    monkeypatch.setattr(PaperVenue, "place_order", down)
    with pytest.raises(VenueUnavailable):
        submit_order(order_id=order.id)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_SUBMIT
    assert order.error == "The exchange did not answer."


def test_an_order_whose_answer_was_lost_is_adopted_not_sent_again(order_for, monkeypatch):
    order = order_for()
    real_place = PaperVenue.place_order

    def lost_answer(self, request):
        real_place(self, request)
        raise VenueUnavailable("Read timed out.")

    monkeypatch.setattr(PaperVenue, "place_order", lost_answer)
    with pytest.raises(VenueUnavailable):
        submit_order(order_id=order.id)
    monkeypatch.setattr(PaperVenue, "place_order", real_place)

    resent = submit_order(order_id=order.id, resend=True)

    paper = PaperOrder.objects.get()
    assert (resent.status, resent.venue_order_id, resent.error) == (OrderStatus.OPEN, str(paper.pk), "")


def test_cancelling_a_live_order_cancels_it_on_the_venue(order_for):
    order = submit_order(order_id=order_for().id)

    cancelled = cancel_order(order=order)

    assert cancelled.status == OrderStatus.CANCELLED
    assert PaperOrder.objects.get().status == PaperOrderStatus.CANCELLED


def test_an_order_past_its_expiry_is_marked_expired(order_for):
    order = submit_order(order_id=order_for().id)

    assert cancel_order(order=order, status=OrderStatus.EXPIRED).status == OrderStatus.EXPIRED


def test_cancelling_an_order_never_sent_does_not_reach_the_venue(order_for):
    order = order_for(status=OrderStatus.WAITING)

    assert cancel_order(order=order).status == OrderStatus.CANCELLED
    assert not PaperOrder.objects.exists()


def test_cancelling_a_pending_order_whose_answer_was_lost_cancels_it_on_the_venue(order_for, paper_account):
    order = order_for()
    PaperVenue(paper_account).place_order(
        OrderRequest(
            symbol="BTC_USDT",
            side="buy",
            order_type="limit",
            quantity=Decimal("0.1"),
            price=Decimal("49000"),
            client_order_id=order.client_order_id,
        )
    )

    assert cancel_order(order=order).status == OrderStatus.CANCELLED
    assert PaperOrder.objects.get().status == PaperOrderStatus.CANCELLED


def test_an_order_that_filled_before_its_cancel_is_recorded_as_filled(order_for, move_price):
    order = submit_order(order_id=order_for().id)
    move_price("48900")

    assert cancel_order(order=order).status == OrderStatus.FILLED


def test_a_refresh_follows_a_fill_and_publishes_order_and_balance(
    order_for, move_price, trader, paper_account, streams, django_capture_on_commit_callbacks
):
    order = submit_order(order_id=order_for().id)
    streams.listen(f"order.{trader.id}", f"balance.{trader.id}")
    move_price("48900")

    with django_capture_on_commit_callbacks(execute=True):
        refreshed = refresh_order(order=order)

    assert refreshed.status == OrderStatus.FILLED
    assert Fill.objects.filter(order=order).count() == 1
    events = streams.events()
    assert [e["stream"] for e in events] == [f"order.{trader.id}", f"balance.{trader.id}"]
    update = events[0]["data"]
    assert (update["e"], update["s"], update["status"]) == ("order_update", "BTC_USDT", "filled")
    assert (update["order_id"], update["filled_quantity"], update["average_price"]) == (str(order.id), "0.1", "49000")
    balance = events[1]["data"]
    assert balance["e"] == "balance_update" and balance["account_id"] == str(paper_account.id)
    assert {b["asset"] for b in balance["balances"]} >= {"USDT"}


def test_a_refresh_without_change_publishes_nothing(order_for, trader, streams, django_capture_on_commit_callbacks):
    order = submit_order(order_id=order_for().id)
    streams.listen(f"order.{trader.id}")

    with django_capture_on_commit_callbacks(execute=True):
        refresh_order(order=order)

    assert streams.events() == []


def test_the_order_event_carries_the_seeds_fields(order_for):
    # Read back from the database, as the sync worker sends it: the column pads to 18 places.
    saved = order_for(price=Decimal("49000.50"))
    event = order_event(Order.objects.get(pk=saved.pk))

    assert event["e"] == "order_update"
    assert (event["s"], event["status"], event["role"], event["side"], event["type"]) == (
        "BTC_USDT",
        "pending_submit",
        "standalone",
        "buy",
        "limit",
    )
    assert (event["price"], event["quantity"], event["group_id"]) == ("49000.5", "0.1", None)
