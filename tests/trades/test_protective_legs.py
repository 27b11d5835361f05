"""A filled entry's stop and targets go out together, in one venue call: what the trader sees of
them is what sending them one by one showed."""

from __future__ import annotations

from decimal import Decimal

from apps.exchanges.models import PaperOrder, PaperOrderStatus
from apps.trades.models import GroupStatus, OrderRole, OrderStatus
from apps.trades.services.sync import sync_group


def legs(group, role):
    return list(group.orders.filter(role=role).order_by("created_at", "target_index"))


def test_a_filled_market_entry_gets_its_stop_and_both_targets_at_once(open_trade):
    group = open_trade(
        entry_type="market",
        entry_price=None,
        take_profit=[{"price": "51500", "quantity": "0.2"}, {"price": "53000", "quantity": "0.3"}],
    )

    assert group.status == GroupStatus.ACTIVE
    [stop] = legs(group, OrderRole.STOP_LOSS)
    targets = legs(group, OrderRole.TAKE_PROFIT)
    assert (stop.status, stop.quantity, stop.stop_price) == (OrderStatus.OPEN, Decimal("0.5"), Decimal("49000"))
    assert [(t.status, t.quantity, t.price) for t in targets] == [
        (OrderStatus.OPEN, Decimal("0.2"), Decimal("51500")),
        (OrderStatus.OPEN, Decimal("0.3"), Decimal("53000")),
    ]
    paper = {o.client_order_id: o for o in PaperOrder.objects.filter(status=PaperOrderStatus.OPEN)}
    assert {o.venue_order_id for o in [stop, *targets]} == {str(paper[o.client_order_id].pk) for o in [stop, *targets]}


def test_a_stop_that_fires_as_it_is_armed_leaves_the_targets_cancelled_never_sent(open_trade, move_price):
    # The limit entry rests; the market gaps through the entry and the stop in one tick.
    group = open_trade(entry_price="49500", stop_loss_price="49000")
    move_price("48900")

    sync_group(group_id=group.id)

    [stop] = legs(group, OrderRole.STOP_LOSS)
    assert stop.status == OrderStatus.FILLED
    assert [t.status for t in legs(group, OrderRole.TAKE_PROFIT)] == [OrderStatus.CANCELLED] * 2
    assert not PaperOrder.objects.filter(order_type="limit", reduce_only=True).exists()

    sync_group(group_id=group.id)

    group.refresh_from_db()
    assert (group.status, group.close_reason) == (GroupStatus.CLOSED, "stop_loss")
