"""The order sync worker on the paper exchange: fills, break-even, OCO, crash recovery."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from apps.exchanges.models import PaperOrder, PaperOrderStatus, PaperPosition
from apps.exchanges.venues.base import OrderRequest
from apps.exchanges.venues.paper import PaperVenue
from apps.trades import tasks
from apps.trades.execution import submit_order
from apps.trades.models import Fill, GroupStatus, Order, OrderRole, OrderStatus, TradeGroup
from apps.trades.services.sync import sync_group, sync_open_groups
from tests.trades.conftest import SEED_TICKET
from tests.trades.factories import OrderFactory

MARKET = {**{k: v for k, v in SEED_TICKET.items() if k != "entry_price"}, "entry_type": "market"}


def legs(group, role):
    return list(group.orders.filter(role=role).order_by("created_at", "target_index"))


def live_paper(order_type):
    return list(PaperOrder.objects.filter(order_type=order_type, status=PaperOrderStatus.OPEN).order_by("id"))


def synced(group):
    sync_group(group_id=group.id)
    group.refresh_from_db()
    return group


def test_a_resting_entry_that_fills_gets_its_stop_and_targets(open_trade, move_price):
    group = open_trade(
        entry_price="49500", stop_loss_price="48500", take_profit=[{"price": "51000", "quantity": "0.5"}]
    )
    assert group.status == GroupStatus.OPEN

    move_price("49400")
    group = synced(group)

    assert group.status == GroupStatus.ACTIVE
    assert (group.filled_quantity, group.average_entry_price) == (Decimal("0.5"), Decimal("49500"))
    assert [(o.stop_price, o.quantity) for o in live_paper("stop")] == [(Decimal("48500"), Decimal("0.5"))]
    assert [(o.price, o.quantity) for o in live_paper("limit")] == [(Decimal("51000"), Decimal("0.5"))]
    assert Fill.objects.filter(order__group=group).count() == 1


def test_a_target_fill_shrinks_the_stop_to_what_is_left(open_trade, move_price):
    group = open_trade(MARKET)

    move_price("51500")
    group = synced(group)

    assert group.status == GroupStatus.ACTIVE
    assert group.closed_quantity == Decimal("0.25")
    assert [(o.stop_price, o.quantity) for o in live_paper("stop")] == [(Decimal("49000"), Decimal("0.25"))]
    assert [o.status for o in legs(group, OrderRole.STOP_LOSS)] == [OrderStatus.CANCELLED, OrderStatus.OPEN]
    assert not group.break_even_done


def test_break_even_moves_the_stop_to_the_entry_when_the_first_target_fills(open_trade, move_price):
    group = open_trade(MARKET, break_even=True)

    move_price("51500")
    group = synced(group)

    assert (group.break_even_done, group.stop_loss_price) == (True, Decimal("50000"))
    assert [(o.stop_price, o.quantity) for o in live_paper("stop")] == [(Decimal("50000"), Decimal("0.25"))]

    # Back to the entry: the rest is stopped out at break-even, the last target cancelled.
    move_price("50000")
    group = synced(group)
    assert (group.status, group.close_reason) == (GroupStatus.CLOSED, "stop_loss")
    assert not live_paper("limit")
    assert group.realized_pnl == Decimal("375") - group_fees(group)


def group_fees(group):
    return sum((f.fee for f in Fill.objects.filter(order__group=group)), Decimal(0))


def test_enabling_break_even_after_a_target_filled_moves_the_stop_now(api, auth, open_trade, move_price):
    group = open_trade(MARKET)
    move_price("51500")
    group = synced(group)

    response = api.put(f"/api/v1/trades/{group.id}/breakeven", {"enabled": True}, format="json", **auth)

    assert response.status_code == 200
    assert response.json()["stop_loss_price"] == "50000"
    assert [o.stop_price for o in live_paper("stop")] == [Decimal("50000")]


def test_the_stop_filling_cancels_every_target(open_trade, move_price):
    group = open_trade(MARKET)

    move_price("48900")
    group = synced(group)

    assert (group.status, group.close_reason) == (GroupStatus.CLOSED, "stop_loss")
    assert {o.status for o in legs(group, OrderRole.TAKE_PROFIT)} == {OrderStatus.CANCELLED}
    assert not PaperOrder.objects.filter(status=PaperOrderStatus.OPEN).exists()
    assert group.realized_pnl == Decimal("-0.5") * (50000 - 48900) - group_fees(group)
    assert group.closed_at is not None


def test_every_target_filling_cancels_the_stop(open_trade, move_price):
    group = open_trade(MARKET)

    move_price("53000")
    group = synced(group)

    assert (group.status, group.close_reason) == (GroupStatus.CLOSED, "take_profit")
    assert {o.status for o in legs(group, OrderRole.STOP_LOSS)} == {OrderStatus.CANCELLED}
    assert not PaperOrder.objects.filter(status=PaperOrderStatus.OPEN).exists()
    assert PaperPosition.objects.get(symbol="BTC_USDT").quantity == 0
    assert group.realized_pnl == Decimal("0.25") * 1500 + Decimal("0.25") * 3000 - group_fees(group)


def test_each_order_change_is_published_to_the_traders_stream(
    open_trade, move_price, trader, streams, django_capture_on_commit_callbacks
):
    group = open_trade(MARKET)
    streams.listen(f"order.{trader.id}")
    move_price("48900")

    with django_capture_on_commit_callbacks(execute=True):
        synced(group)

    events = streams.events()
    updates = [(e["data"]["role"], e["data"]["status"]) for e in events]
    assert updates == [("stop_loss", "filled"), ("take_profit", "cancelled"), ("take_profit", "cancelled")]
    assert {e["data"]["group_id"] for e in events} == {str(group.id)}


# --- crash recovery ---------------------------------------------------------------------------


def age(*orders):
    Order.objects.filter(id__in=[o.id for o in orders]).update(updated_at=timezone.now() - timedelta(seconds=30))


@pytest.fixture
def outside_venue():
    """The paper venue stands in for an outside one, whose orders are committed before they are
    sent: a worker can die between the two (on the paper venue both commit together)."""
    with mock.patch.object(PaperVenue, "transactional", False):
        yield


@pytest.fixture
def dies_after_commit(outside_venue):
    """The request's worker dies right after saving the group: nothing is sent."""
    with mock.patch("apps.trades.services.groups.place_group", side_effect=lambda *, group_id: None):
        yield


@pytest.mark.usefixtures("dies_after_commit")
def test_a_group_left_pending_by_a_dead_worker_is_sent_by_the_sync(open_trade, trader):
    open_trade(MARKET)
    group = TradeGroup.objects.get()
    entry = legs(group, OrderRole.ENTRY)[0]
    assert entry.status == OrderStatus.PENDING_SUBMIT
    sync_open_groups()
    assert not PaperOrder.objects.exists(), "an order just saved is left to the request sending it"

    age(entry)
    sync_open_groups()

    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE
    assert PaperOrder.objects.filter(client_order_id=entry.client_order_id).count() == 1
    assert len(live_paper("stop")) == 1 and len(live_paper("limit")) == 2


@pytest.mark.usefixtures("dies_after_commit")
def test_an_entry_that_reached_the_venue_before_the_crash_is_adopted_not_duplicated(open_trade, paper_account):
    open_trade(MARKET)
    group = TradeGroup.objects.get()
    entry = legs(group, OrderRole.ENTRY)[0]
    PaperVenue(paper_account).place_order(
        OrderRequest(
            symbol="BTC_USDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.5"),
            client_order_id=entry.client_order_id,
        )
    )
    age(entry)

    tasks.sync_trade_groups()

    entry.refresh_from_db()
    assert entry.status == OrderStatus.FILLED
    assert PaperOrder.objects.filter(order_type="market").count() == 1
    assert PaperPosition.objects.get(symbol="BTC_USDT").quantity == Decimal("0.5")
    assert TradeGroup.objects.get().status == GroupStatus.ACTIVE


@pytest.mark.usefixtures("outside_venue")
def test_legs_left_waiting_by_a_dead_worker_are_armed_by_the_sync(open_trade):
    with mock.patch("apps.trades.services.groups.advance_group", side_effect=lambda *, group: group):
        open_trade(MARKET)
    group = TradeGroup.objects.get()
    assert {o.status for o in legs(group, OrderRole.TAKE_PROFIT)} == {OrderStatus.WAITING}

    group = synced(group)

    assert group.status == GroupStatus.ACTIVE
    assert len(live_paper("stop")) == 1 and len(live_paper("limit")) == 2


def test_a_group_another_worker_holds_is_skipped(open_trade, move_price):
    group = open_trade(MARKET)
    move_price("48900")

    with mock.patch("apps.trades.services.sync.TradeGroup.objects.select_for_update") as locked:
        locked.return_value.filter.return_value.first.return_value = None
        assert sync_group(group_id=group.id) is None

    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE
    locked.assert_called_once_with(skip_locked=True)


def test_one_groups_failure_does_not_stop_the_others(open_trade, move_price):
    first = open_trade(MARKET)
    second = open_trade(MARKET)
    move_price("48900")
    real = __import__("apps.trades.services.sync", fromlist=["advance_group"]).advance_group

    def broken_for_first(*, group):
        if group.id == first.id:
            raise RuntimeError("boom")
        return real(group=group)

    with mock.patch("apps.trades.services.sync.advance_group", side_effect=broken_for_first):
        sync_open_groups()

    second.refresh_from_db()
    assert second.status == GroupStatus.CLOSED


# --- standalone orders ------------------------------------------------------------------------


def test_standalone_orders_are_followed_too(
    trader, paper_account, move_price, streams, django_capture_on_commit_callbacks
):
    order = OrderFactory(user=trader, exchange_account=paper_account, price=Decimal("49000"))
    submit_order(order_id=order.id)
    streams.listen(f"order.{trader.id}")
    move_price("48900")

    with django_capture_on_commit_callbacks(execute=True):
        sync_open_groups()

    order.refresh_from_db()
    assert order.status == OrderStatus.FILLED
    assert Fill.objects.filter(order=order).count() == 1
    assert [e["data"]["status"] for e in streams.events()] == ["filled"]


def test_a_standalone_order_left_pending_is_resent_once(trader, paper_account):
    order = OrderFactory(user=trader, exchange_account=paper_account, price=Decimal("49000"))
    age(order)

    sync_open_groups()
    sync_open_groups()

    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert PaperOrder.objects.count() == 1


def test_a_pass_with_nothing_new_writes_nothing(open_trade):
    open_trade(MARKET)
    stamp = TradeGroup.objects.get().updated_at

    sync_open_groups()

    assert TradeGroup.objects.get().updated_at == stamp
    assert PaperOrder.objects.count() == 4
