"""Issue 8, item 10: trade groups (seed 003) and standalone orders (seed 004) share one net
position per symbol. Whatever either API does, a live group's stop and targets are never larger
than the position; an order that would make them so is refused with a 409 naming what is in
its way, and nothing reaches the exchange (`apps.trades.services.protection`)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.exchanges.models import PaperOrder, PaperPosition
from apps.trades.models import Order, OrderRole, OrderStatus, TradeGroup
from tests.trades.conftest import SEED_TICKET

pytestmark = pytest.mark.django_db

TRADES = "/api/v1/trades"
# The trade: a market buy of 0.05 BTC, stop 49000, two targets.
GROUP = {
    **{k: v for k, v in SEED_TICKET.items() if k != "entry_price"},
    "entry_type": "market",
    "quantity": "0.05",
    "take_profit": [{"price": "51500", "quantity": "0.025"}, {"price": "53000", "quantity": "0.025"}],
}
RESTING_GROUP = {**GROUP, "entry_type": "limit", "entry_price": "49500", "stop_loss_price": "48500"}


@pytest.fixture
def order(api, auth, paper_account):
    def place(side, quantity, order_type="MARKET", price=None):
        body = {"market": "BTC_USDT", "side": side, "orderType": order_type, "quantity": quantity}
        if price is not None:
            body["price"] = price
        return api.post("/api/orders", json.dumps(body), content_type="application/json", **auth)

    return place


@pytest.fixture
def group(api, auth, paper_account):
    def open_(body=GROUP):
        return api.post(TRADES, body, format="json", **auth)

    return open_


def position() -> Decimal:
    row = PaperPosition.objects.filter(symbol="BTC_USDT").first()
    return row.quantity if row else Decimal(0)


def live_stop_quantity(group_id) -> Decimal:
    stops = Order.objects.filter(group_id=group_id, role=OrderRole.STOP_LOSS, status=OrderStatus.OPEN)
    return sum((o.quantity - o.filled_quantity for o in stops), Decimal(0))


# --- an order through /api/orders on a position a group protects -------------------------------


def test_a_sell_into_a_protected_position_is_refused_naming_the_group_and_nothing_is_sent(order, group):
    group_id = group().json()["id"]
    sent_before = PaperOrder.objects.count()

    response = order("SELL", "0.01")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "409"
    assert group_id in body["error"]
    assert "DELETE /api/v1/trades/" in body["error"]
    assert body["details"] == {"tradeGroups": [group_id], "available": "0"}
    assert PaperOrder.objects.count() == sent_before
    assert not Order.objects.filter(role=OrderRole.STANDALONE).exists()
    assert position() == Decimal("0.05")
    assert live_stop_quantity(group_id) == Decimal("0.05")


def test_the_part_of_a_position_held_outside_groups_stays_tradable(order, group):
    assert order("BUY", "0.02").status_code == 201
    group_id = group().json()["id"]

    assert order("SELL", "0.02").status_code == 201
    assert position() == Decimal("0.05")
    assert live_stop_quantity(group_id) <= position()

    refused = order("SELL", "0.01")
    assert refused.status_code == 409
    assert group_id in refused.json()["error"]
    assert position() == Decimal("0.05")


def test_a_resting_sell_counts_against_the_free_part_before_it_fills(order, group, move_price):
    order("BUY", "0.02")
    group_id = group().json()["id"]
    assert order("SELL", "0.02", "LIMIT", 50500).status_code == 201

    assert order("SELL", "0.01", "LIMIT", 50600).status_code == 409

    move_price("50500")  # below the group's first target
    assert position() == Decimal("0.05")
    assert live_stop_quantity(group_id) <= position()


def test_a_sell_that_would_flip_the_account_while_a_group_entry_waits_is_refused(order, group):
    group_id = group(RESTING_GROUP).json()["id"]
    response = order("SELL", "0.01")
    assert response.status_code == 409
    assert group_id in response.json()["error"]
    assert position() == 0


def test_adding_to_a_protected_position_is_not_refused(order, group):
    group()
    assert order("BUY", "0.01").status_code == 201
    assert position() == Decimal("0.06")


def test_once_the_group_is_closed_the_position_is_free_again(api, auth, order, group):
    order("BUY", "0.02")
    group_id = group().json()["id"]
    assert api.delete(f"{TRADES}/{group_id}", **auth).status_code == 200

    assert position() == Decimal("0.02")  # the group's close took only its own 0.05
    assert order("SELL", "0.02").status_code == 201
    assert position() == 0


# --- a trade group on a position standalone orders hold or rely on ----------------------------


def test_a_buy_group_on_an_account_that_is_net_short_is_refused_and_nothing_is_sent(order, group):
    assert order("SELL", "0.02").status_code == 201
    sent_before = PaperOrder.objects.count()

    response = group()

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "POSITION_CONFLICT"
    assert "short 0.02 BTC_USDT" in error["message"]
    assert not TradeGroup.objects.exists()
    assert PaperOrder.objects.count() == sent_before
    assert position() == Decimal("-0.02")


def test_a_buy_group_waits_for_a_live_standalone_sell_to_be_cancelled(api, auth, order, group):
    sell = order("SELL", "0.01", "LIMIT", 60000).json()["order"]

    refused = group()
    assert refused.status_code == 409
    assert "standalone sell orders for 0.01 BTC_USDT" in refused.json()["error"]["message"]

    assert api.delete(f"/api/orders/{sell['orderId']}", **auth).status_code == 200
    opened = group()
    assert opened.status_code == 201
    assert live_stop_quantity(opened.json()["id"]) == position() == Decimal("0.05")


def test_a_group_closing_leaves_a_standalone_sell_its_position(api, auth, order, group, move_price):
    order("BUY", "0.02")
    sell = Order.objects.get(id=order("SELL", "0.02", "LIMIT", 50500).json()["order"]["orderId"])
    group_id = group().json()["id"]

    api.delete(f"{TRADES}/{group_id}", **auth)
    assert position() == Decimal("0.02")
    move_price("50500")

    assert PaperOrder.objects.get(client_order_id=sell.client_order_id).filled_quantity == Decimal("0.02")
    assert position() == 0


def test_a_second_group_on_the_same_side_is_welcome(group):
    first = group().json()["id"]
    second = group()
    assert second.status_code == 201
    assert live_stop_quantity(first) + live_stop_quantity(second.json()["id"]) == position() == Decimal("0.1")
