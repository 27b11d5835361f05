"""Seed 003's /api/v1/trades endpoints on the paper exchange."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.db import connection

from apps.exchanges.models import PaperOrder, PaperOrderStatus, PaperPosition
from apps.trades.models import GroupStatus, Order, RiskConfig, TradeGroup
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.factories import ExchangeAccountFactory
from tests.trades.conftest import SEED_TICKET

URL = "/api/v1/trades"
# Resting: the market is at 50000, a buy limit at 49500 waits.
RESTING = {
    **SEED_TICKET,
    "entry_price": "49500",
    "stop_loss_price": "48500",
    "take_profit": [{"price": "51000", "quantity": "0.25"}, {"price": "52500", "quantity": "0.25"}],
}
MARKET = {**{k: v for k, v in SEED_TICKET.items() if k != "entry_price"}, "entry_type": "market"}


def ticket(**changes):
    body = copy.deepcopy(SEED_TICKET)
    body.update(changes)
    return body


def by_role(body):
    roles: dict[str, list[dict]] = {}
    for order in body["orders"]:
        roles.setdefault(order["role"], []).append(order)
    return roles


@pytest.fixture
def post(api, auth, paper_account):
    def post_(body, **headers):
        return api.post(URL, body, format="json", **(headers or auth))

    return post_


def test_it_opens_a_limit_trade_whose_entry_rests_until_the_price_comes(post):
    response = post(RESTING)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert (body["symbol"], body["side"], body["quantity"], body["stop_loss_price"]) == (
        "BTC_USDT",
        "buy",
        "0.5",
        "48500",
    )
    roles = by_role(body)
    assert [o["status"] for o in roles["entry"]] == ["open"]
    assert roles["entry"][0]["venue_order_id"]
    assert [o["status"] for o in roles["stop_loss"]] == ["waiting"]
    assert [(o["price"], o["quantity"], o["status"]) for o in roles["take_profit"]] == [
        ("51000", "0.25", "waiting"),
        ("52500", "0.25", "waiting"),
    ]
    assert body["decision"]["approved"] is True
    assert body["decision"]["risk_reward"] == "2.25"
    assert PaperOrder.objects.count() == 1


def test_it_opens_a_market_trade_and_protects_the_fill_at_once(post):
    response = post(MARKET)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert body["entry_price"] is None
    assert (body["filled_quantity"], body["average_entry_price"]) == ("0.5", "50000")
    roles = by_role(body)
    assert roles["entry"][0]["status"] == "filled"
    assert [(o["type"], o["stop_price"], o["quantity"], o["status"]) for o in roles["stop_loss"]] == [
        ("stop", "49000", "0.5", "open")
    ]
    assert [o["status"] for o in roles["take_profit"]] == ["open", "open"]
    assert all(o["reduce_only"] and o["side"] == "sell" for o in roles["stop_loss"] + roles["take_profit"])
    assert PaperOrder.objects.filter(status=PaperOrderStatus.OPEN).count() == 3
    assert PaperPosition.objects.get(symbol="BTC_USDT").quantity == Decimal("0.5")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (ticket(symbol="BTC"), "symbol"),
        (ticket(side="long"), "side"),
        (ticket(entry_price=None), "entry_price"),
        ({**MARKET, "entry_price": "50000"}, "entry_price"),
        (ticket(quantity="-1"), "quantity"),
        (ticket(quantity="abc"), "quantity"),
        (ticket(stop_loss_price="50500"), "stop_loss_price"),
        (ticket(leverage=0), "leverage"),
        (ticket(take_profit=[{"price": "49500", "quantity": "0.5"}]), "take_profit[0].price"),
        (ticket(take_profit=[{"price": "51500", "quantity": "0.4"}]), "take_profit"),
        (ticket(take_profit=[{"price": "51500", "quantity": "0.5", "order_type": "market"}]), "take_profit"),
    ],
)
def test_it_rejects_an_invalid_ticket_naming_the_field(post, body, field):
    response = post(body)

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"], error
    assert not TradeGroup.objects.exists()
    assert not PaperOrder.objects.exists()


def test_a_rejected_decision_lists_every_broken_rule_and_sends_nothing(post, trader):
    RiskConfig.objects.filter(user=trader).update(max_leverage=2, max_position_size=Decimal("0.1"))

    response = post(ticket(leverage=3, take_profit=[{"price": "50500", "quantity": "0.5"}]))

    assert response.status_code == 422, response.json()
    error = response.json()["error"]
    assert error["code"] == "RISK_REJECTED"
    rules = [v["rule"] for v in error["details"]["violations"]]
    assert rules == ["leverage", "risk_reward", "position_size"]
    for violation in error["details"]["violations"]:
        assert violation["message"] in error["message"]
    assert error["details"]["approved"] is False
    assert not TradeGroup.objects.exists()
    assert not Order.objects.exists()
    assert not PaperOrder.objects.exists()


def test_a_missing_stop_is_rejected_by_the_decision_loop(post):
    response = post(ticket(stop_loss_price=None))

    assert response.status_code == 422
    assert [v["rule"] for v in response.json()["error"]["details"]["violations"]] == ["stop_loss_required"]


def test_it_asks_for_an_exchange_account_first(api, trader):
    response = api.post(URL, SEED_TICKET, format="json", **bearer(sign_in(trader)))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NO_EXCHANGE_ACCOUNT"


def test_it_will_not_trade_on_another_traders_account(post):
    stranger = ExchangeAccountFactory()

    response = post(ticket(exchange_account_id=str(stranger.id)))

    assert response.status_code == 404
    assert not TradeGroup.objects.exists()


def test_a_venue_refusal_fails_the_group_and_answers_400(post):
    response = post(ticket(quantity="5", take_profit=[{"price": "51500", "quantity": "5"}], leverage=1))

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "INSUFFICIENT_FUNDS"
    group = TradeGroup.objects.get()
    assert group.status == GroupStatus.FAILED
    assert set(group.orders.values_list("role", "status")) == {
        ("ENTRY", "REJECTED"),
        ("STOP_LOSS", "CANCELLED"),
        ("TAKE_PROFIT", "CANCELLED"),
    }


def test_it_answers_401_without_a_session(api):
    assert api.get(URL).status_code == 401
    assert api.post(URL, SEED_TICKET, format="json").status_code == 401


# --- reading ----------------------------------------------------------------------------------


def test_it_lists_the_groups_still_trading_unless_asked_for_others(api, auth, post):
    open_id = post(RESTING).json()["id"]
    closed_id = post(RESTING).json()["id"]
    api.delete(f"{URL}/{closed_id}", **auth)

    default = api.get(URL, **auth).json()
    cancelled = api.get(f"{URL}?status=cancelled", **auth).json()
    every = api.get(f"{URL}?status=all&limit=1", **auth).json()

    assert [g["id"] for g in default["data"]] == [open_id]
    assert default["pagination"] == {"page": 1, "limit": 20, "total": 1}
    assert [g["id"] for g in cancelled["data"]] == [closed_id]
    assert every["pagination"]["total"] == 2 and len(every["data"]) == 1
    assert api.get(f"{URL}?status=bogus", **auth).status_code == 400


def test_the_list_costs_the_same_queries_whatever_the_number_of_groups(api, auth, post, django_assert_num_queries):
    for _ in range(3):
        post(MARKET)

    # session + user, count, groups, their orders
    with django_assert_num_queries(4):
        response = api.get(URL, **auth)

    assert len(response.json()["data"]) == 3
    assert all(len(g["orders"]) == 4 for g in response.json()["data"])


def test_it_shows_one_group_with_its_orders(api, auth, post):
    group_id = post(RESTING).json()["id"]

    body = api.get(f"{URL}/{group_id}", **auth).json()

    assert body["id"] == group_id
    assert len(body["orders"]) == 4


@pytest.mark.parametrize("method", ["get", "delete"])
def test_another_traders_group_is_not_found(api, post, method):
    group_id = post(RESTING).json()["id"]
    stranger = bearer(sign_in(UserFactory()))

    assert getattr(api, method)(f"{URL}/{group_id}", **stranger).status_code == 404
    assert api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": "1"}, format="json", **stranger).status_code == 404
    assert api.get(f"{URL}/not-a-uuid", **stranger).status_code == 404
    assert TradeGroup.objects.get().status == GroupStatus.OPEN


# --- changing ---------------------------------------------------------------------------------


def test_moving_the_stop_of_a_waiting_trade_changes_its_waiting_leg(api, auth, post):
    group_id = post(RESTING).json()["id"]

    response = api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": "48800"}, format="json", **auth)

    assert response.status_code == 200, response.json()
    stops = by_role(response.json())["stop_loss"]
    assert [(o["stop_price"], o["status"]) for o in stops] == [("48800", "waiting")]
    assert PaperOrder.objects.count() == 1


def test_moving_the_stop_of_a_live_trade_replaces_the_stop_order(api, auth, post):
    group_id = post(MARKET).json()["id"]

    response = api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": "49500"}, format="json", **auth)

    assert response.status_code == 200, response.json()
    stops = by_role(response.json())["stop_loss"]
    assert [(o["stop_price"], o["status"]) for o in stops] == [("49000", "cancelled"), ("49500", "open")]
    live = PaperOrder.objects.filter(order_type="stop", status=PaperOrderStatus.OPEN).get()
    assert live.stop_price == Decimal("49500") and live.quantity == Decimal("0.5")


@pytest.mark.parametrize("stop", ["50000", "51000"])
def test_a_stop_on_the_wrong_side_is_refused(api, auth, post, stop):
    group_id = post(MARKET).json()["id"]

    response = api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": stop}, format="json", **auth)

    assert response.status_code == 400
    assert "stop_loss_price" in response.json()["error"]["message"]


def test_new_targets_replace_the_unfilled_ones(api, auth, post):
    group_id = post(MARKET).json()["id"]
    ladder = [
        {"price": "51000", "quantity": "0.1"},
        {"price": "52000", "quantity": "0.1"},
        {"price": "54000", "quantity": "0.3"},
    ]

    response = api.put(f"{URL}/{group_id}/tp", {"take_profit": ladder}, format="json", **auth)

    assert response.status_code == 200, response.json()
    live = [(o["price"], o["quantity"]) for o in by_role(response.json())["take_profit"] if o["status"] == "open"]
    assert live == [("51000", "0.1"), ("52000", "0.1"), ("54000", "0.3")]
    assert PaperOrder.objects.filter(order_type="limit", status=PaperOrderStatus.OPEN).count() == 3


@pytest.mark.parametrize(
    "ladder",
    [
        [{"price": "51000", "quantity": "0.2"}],
        [{"price": "49900", "quantity": "0.5"}],
        [],
    ],
)
def test_targets_that_do_not_fit_the_open_quantity_are_refused(api, auth, post, ladder):
    group_id = post(MARKET).json()["id"]

    response = api.put(f"{URL}/{group_id}/tp", {"take_profit": ladder}, format="json", **auth)

    assert response.status_code == 400
    assert PaperOrder.objects.filter(order_type="limit", status=PaperOrderStatus.OPEN).count() == 2


def test_break_even_can_be_switched_on_and_off(api, auth, post):
    group_id = post(RESTING).json()["id"]

    on = api.put(f"{URL}/{group_id}/breakeven", {"enabled": True}, format="json", **auth).json()
    off = api.put(f"{URL}/{group_id}/breakeven", {"enabled": False}, format="json", **auth).json()

    assert (on["break_even"], off["break_even"]) == (True, False)
    assert api.put(f"{URL}/{group_id}/breakeven", {}, format="json", **auth).status_code == 400


def test_deleting_a_waiting_trade_cancels_its_entry(api, auth, post):
    group_id = post(RESTING).json()["id"]

    response = api.delete(f"{URL}/{group_id}", **auth)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["close_reason"]) == ("cancelled", "manual")
    assert {o["status"] for o in body["orders"]} == {"cancelled"}
    assert PaperOrder.objects.get().status == PaperOrderStatus.CANCELLED


def test_deleting_a_live_trade_cancels_its_legs_and_closes_the_position(api, auth, post):
    group_id = post(MARKET).json()["id"]

    body = api.delete(f"{URL}/{group_id}", **auth).json()

    assert (body["status"], body["close_reason"]) == ("closed", "manual")
    assert [o["status"] for o in by_role(body)["close"]] == ["filled"]
    assert {o["status"] for o in by_role(body)["stop_loss"] + by_role(body)["take_profit"]} == {"cancelled"}
    assert PaperPosition.objects.get(symbol="BTC_USDT").quantity == 0
    assert not PaperOrder.objects.filter(status=PaperOrderStatus.OPEN).exists()
    assert api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": "49000"}, format="json", **auth).status_code == 409


# --- ghost orders -----------------------------------------------------------------------------


def test_cleanup_cancels_ghost_orders_and_leaves_live_trades_alone(api, auth, post, paper_account):
    from apps.exchanges.venues.base import OrderRequest
    from apps.exchanges.venues.paper import PaperVenue

    live_id = post(RESTING).json()["id"]
    venue = PaperVenue(paper_account)
    ghost = venue.place_order(
        OrderRequest(
            symbol="BTC_USDT",
            side="buy",
            order_type="limit",
            quantity=Decimal("0.1"),
            price=Decimal("40000"),
            client_order_id="hc-lost-answer",
        )
    )
    # A group that ended while one of its orders stayed live (a worker died mid-cancel).
    ended = post(RESTING).json()["id"]
    TradeGroup.objects.filter(id=ended).update(status=GroupStatus.CANCELLED)

    response = api.post(f"{URL}/cleanup", **auth)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cancelled"] == 1
    assert [o["venue_order_id"] for o in body["orders"]] == [ghost.venue_order_id]
    assert PaperOrder.objects.get(pk=int(ghost.venue_order_id)).status == PaperOrderStatus.CANCELLED
    assert Order.objects.get(group_id=ended, role="ENTRY").status == "CANCELLED"
    assert Order.objects.get(group_id=live_id, role="ENTRY").status == "OPEN"
    assert PaperOrder.objects.filter(status=PaperOrderStatus.OPEN).count() == 1


def test_an_unreachable_exchange_keeps_the_approved_trade_for_the_sync_to_send(post, monkeypatch):
    from apps.exchanges.venues.base import VenueUnavailable
    from apps.exchanges.venues.paper import PaperVenue

    def down(self, request):
        raise VenueUnavailable("The exchange did not answer.")

    monkeypatch.setattr(PaperVenue, "place_order", down)

    response = post(RESTING)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    entry = by_role(body)["entry"][0]
    assert (entry["status"], entry["error"]) == ("pending_submit", "The exchange did not answer.")


def test_a_stop_moved_further_away_is_decided_again_and_refused_past_the_risk_limit(api, auth, post, trader):
    group_id = post(MARKET).json()["id"]
    RiskConfig.objects.filter(user=trader).update(max_risk_amount=Decimal("600"))

    # 0.5 BTC from 50000: a stop at 48500 would risk 750, more than the 600 allowed.
    wider = api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": "48500"}, format="json", **auth)
    closer = api.put(f"{URL}/{group_id}/sl", {"stop_loss_price": "49500"}, format="json", **auth)

    assert wider.status_code == 422
    assert wider.json()["error"]["code"] == "RISK_REJECTED"
    assert [v["rule"] for v in wider.json()["error"]["details"]["violations"]] == ["position_size"]
    assert closer.status_code == 200
    assert TradeGroup.objects.get(id=group_id).stop_loss_price == Decimal("49500")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite holds a NUMERIC as a double: 15 digits")
@pytest.mark.parametrize("entry", ["market", "limit"])
def test_the_created_trade_reads_back_exactly_as_its_detail(api, auth, post, move_price, entry):
    # The 201 is built from what the request holds in memory (apps/trades/presenters.py); a value
    # with more digits than its column keeps would read back differently.
    move_price("50000.123456789012345678")
    stop, quantity = "49000.000000000000000001", "0.123456789012345678"
    half = "0.061728394506172839"
    body = {
        **(MARKET if entry == "market" else RESTING),
        "quantity": quantity,
        "stop_loss_price": stop,
        "take_profit": [
            {"price": "51500.000000000000000001", "quantity": half},
            {"price": "53000.1", "quantity": str(Decimal(quantity) - Decimal(half))},
        ],
    }
    created = post(body)
    assert created.status_code == 201, created.json()

    detail = api.get(f"{URL}/{created.json()['id']}", **auth)

    assert created.json() == detail.json()
