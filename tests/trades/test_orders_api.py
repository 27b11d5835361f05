"""Seed 004's /api/orders on the paper exchange: every order type and time in force, validation,
the risk decision loop, idempotency, reads and cancels."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.exchanges.models import PaperOrder, PaperPosition
from apps.exchanges.paper import engine
from apps.trades.api.orders import ExactNumberJSONRenderer
from apps.trades.execution import refresh_order
from apps.trades.models import Order, OrderRole, OrderStatus
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

ORDER_FIELDS = {
    "orderId",
    "userId",
    "market",
    "side",
    "orderType",
    "quantity",
    "price",
    "stopPrice",
    "timeInForce",
    "status",
    "expiresAt",
    "createdAt",
}


@pytest.fixture
def account(user):
    return FundedPaperAccountFactory(user=user)


@pytest.fixture
def headers(user):
    return bearer(sign_in(user))


def place(api, headers, **fields):
    body = {"market": "ETH_USDC", "side": "BUY", "orderType": "LIMIT", "quantity": 0.5, "price": 2900, **fields}
    return api.post("/api/orders", json.dumps(body), content_type="application/json", **headers)


def placed(api, headers, **fields) -> dict:
    response = place(api, headers, **fields)
    assert response.status_code == 201, response.content
    return response.json()["order"]


def test_a_limit_order_below_the_market_rests_open(api, user, account, headers):
    response = place(api, headers)

    assert response.status_code == 201
    order = response.json()["order"]
    assert set(order) == ORDER_FIELDS
    assert order["userId"] == str(user.id)
    assert (order["market"], order["side"], order["orderType"], order["timeInForce"]) == (
        "ETH_USDC",
        "BUY",
        "LIMIT",
        "GTC",
    )
    assert order["status"] == "OPEN"
    assert order["stopPrice"] is None and order["expiresAt"] is None
    assert order["createdAt"].endswith("Z") and len(order["createdAt"]) == len("2026-05-01T10:30:00.000Z")
    # JSON numbers, written from the Decimal (no float round trip).
    assert b'"quantity":0.5' in response.content and b'"price":2900' in response.content
    row = Order.objects.get(id=order["orderId"])
    assert row.role == OrderRole.STANDALONE and row.exchange_account == account
    assert PaperOrder.objects.get(client_order_id=row.client_order_id).status == "open"


def test_prices_and_quantities_are_json_numbers_with_their_digits(api, account, headers):
    response = place(api, headers, quantity="0.123456789", price="2899.99")
    assert response.status_code == 201
    assert b'"quantity":0.123456789,' in response.content
    assert b'"price":2899.99,' in response.content
    response = place(api, headers, price=0.1 + 2899)  # a JSON number is read as a Decimal, not a float
    assert Order.objects.get(id=response.json()["order"]["orderId"]).price == Decimal(str(0.1 + 2899))


def test_decimals_are_rendered_without_a_float_round_trip():
    # 18 decimal places do not survive a double (nor SQLite's storage, hence no API round trip).
    rendered = ExactNumberJSONRenderer().render({"q": [Decimal("0.123456789012345678"), Decimal("3200.00")], "s": "x"})
    assert rendered == b'{"q":[0.123456789012345678,3200],"s":"x"}'


def test_a_market_order_fills(api, account, headers):
    order = placed(api, headers, orderType="MARKET", price=None, side="SELL")
    assert order["status"] == "FILLED"
    assert order["price"] is None
    row = Order.objects.get(id=order["orderId"])
    assert row.filled_quantity == Decimal("0.5")
    assert row.fills.count() == 1  # the journal's trades table saw it


def test_a_stop_order_triggers_once_the_price_crosses(api, account, headers):
    order = placed(api, headers, orderType="STOP", price=None, stopPrice=3100)
    assert order["status"] == "OPEN"
    assert order["stopPrice"] == 3100

    engine.set_price(symbol="ETH_USDC", price=Decimal("3050"))
    row = refresh_order(order=Order.objects.get(id=order["orderId"]))
    assert row.status == OrderStatus.OPEN
    engine.set_price(symbol="ETH_USDC", price=Decimal("3150"))
    refresh_order(order=row)

    assert api.get(f"/api/orders/{order['orderId']}", **headers).json()["order"]["status"] == "FILLED"


def test_a_stop_limit_order_becomes_a_limit_once_triggered(api, account, headers):
    order = placed(api, headers, orderType="STOP_LIMIT", side="SELL", stopPrice=2900, price=2880)
    assert order["status"] == "OPEN"

    engine.set_price(symbol="ETH_USDC", price=Decimal("2890"))
    row = refresh_order(order=Order.objects.get(id=order["orderId"]))

    assert row.status == OrderStatus.FILLED
    assert row.average_price == Decimal("2890")


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_an_immediate_order_that_cannot_fill_is_cancelled(api, account, headers, tif):
    order = placed(api, headers, timeInForce=tif)
    assert order["status"] == "CANCELLED"
    assert order["timeInForce"] == tif


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_an_immediate_order_that_can_fill_fills(api, account, headers, tif):
    assert placed(api, headers, timeInForce=tif, price=3100)["status"] == "FILLED"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": None}, "price"),
        ({"orderType": "MARKET"}, "price"),
        ({"orderType": "STOP", "price": None}, "stopPrice"),
        ({"orderType": "STOP_LIMIT"}, "stopPrice"),
        ({"orderType": "STOP_LIMIT", "price": None, "stopPrice": 3100}, "price"),
        ({"stopPrice": 2800}, "stopPrice"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"price": 0}, "price"),
        ({"side": "HOLD"}, "side"),
        ({"orderType": "TRAILING"}, "orderType"),
        ({"timeInForce": "DAY"}, "timeInForce"),
        ({"market": "eth-usdc"}, "market"),
        ({"quantity": "NaN"}, "quantity"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
    ],
)
def test_it_rejects_an_inconsistent_order(api, account, headers, fields, field):
    response = place(api, headers, **fields)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "400"
    assert field in body["error"]
    assert Order.objects.count() == 0
    assert PaperOrder.objects.count() == 0


def test_it_rejects_a_market_the_venue_does_not_list(api, account, headers):
    response = place(api, headers, market="DOGE_USDC")
    assert response.status_code == 400
    assert "DOGE_USDC" in response.json()["error"]
    assert Order.objects.count() == 0


def test_it_needs_an_exchange_account(api, headers):
    response = place(api, headers)
    assert response.status_code == 400
    assert "exchange account" in response.json()["error"]


def test_another_users_exchange_account_is_not_found(api, account):
    stranger = bearer(sign_in(UserFactory()))
    response = place(api, stranger, exchangeAccountId=str(account.id))
    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_the_risk_rules_reject_an_oversized_order_and_nothing_is_saved_or_sent(api, account, headers):
    response = place(api, headers, quantity=500)  # above equity x max leverage / price: 100,000 x 5 / 2,900

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "422"
    assert "position_size" in body["error"]
    assert Order.objects.count() == 0
    assert PaperOrder.objects.count() == 0


def test_the_risk_rules_price_a_market_order_at_the_venue_price(api, user, account, headers):
    from apps.trades.models import RiskConfig

    RiskConfig.objects.create(user=user, max_position_size=Decimal("100"), max_leverage=1)
    # 100000 USDC at 1x buys 33.33 ETH at 3000: 40 is refused, 30 is not.
    assert place(api, headers, orderType="MARKET", price=None, quantity=40).status_code == 422
    assert place(api, headers, orderType="MARKET", price=None, quantity=30).status_code == 201


def test_the_same_idempotency_key_and_body_return_the_first_order(api, account, headers):
    first = place(api, headers, idempotencyKey="k-1")
    again = place(api, headers, idempotencyKey="k-1")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["order"]["orderId"] == first.json()["order"]["orderId"]
    assert Order.objects.count() == 1
    assert PaperOrder.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_conflict(api, account, headers):
    place(api, headers, idempotencyKey="k-2")
    response = place(api, headers, idempotencyKey="k-2", quantity=0.6)
    assert response.status_code == 409
    assert response.json()["code"] == "409"
    assert Order.objects.count() == 1


def test_a_venue_refusal_keeps_the_order_as_rejected(api, user, account, headers):
    from apps.exchanges.models import PaperBalance
    from apps.trades.models import RiskConfig

    RiskConfig.objects.create(user=user, max_position_size=Decimal("100"))
    PaperBalance.objects.filter(account=account, asset="USDC").update(total=Decimal("10"))
    response = place(api, headers, quantity=0.01)
    # The risk loop sizes against 10 USDC x 5 leverage: 0.01 ETH at 2900 passes; the paper
    # exchange's margin check (at the position's 1x) refuses it.
    assert response.status_code == 400
    assert response.json()["code"] == "400"
    order = api.get("/api/orders", **headers).json()["orders"][0]
    assert order["status"] == "REJECTED"


# --- reads and cancels --------------------------------------------------------------------------


def test_it_lists_the_users_orders_newest_first_with_filters(api, account, headers):
    first = placed(api, headers)
    second = placed(api, headers, orderType="MARKET", price=None)
    other = ExchangeAccountFactory(user=UserFactory())
    engine.fund_account(account=other)
    placed(api, bearer(sign_in(other.user)))

    orders = api.get("/api/orders", **headers).json()["orders"]
    assert [o["orderId"] for o in orders] == [second["orderId"], first["orderId"]]
    assert [o["orderId"] for o in api.get("/api/orders?status=FILLED", **headers).json()["orders"]] == [
        second["orderId"]
    ]
    assert api.get("/api/orders?market=BTC_USDT", **headers).json()["orders"] == []
    assert len(api.get("/api/orders?limit=1&page=2", **headers).json()["orders"]) == 1
    assert api.get("/api/orders?status=NOPE", **headers).status_code == 400


def test_trade_group_legs_are_not_listed_as_orders(api, user, account, headers):
    Order.objects.create(
        user=user,
        exchange_account=account,
        role=OrderRole.ENTRY,
        symbol="ETH_USDC",
        side="buy",
        order_type="limit",
        price=Decimal("2900"),
        quantity=Decimal("1"),
        client_order_id=str(uuid.uuid4()),
    )
    assert api.get("/api/orders", **headers).json()["orders"] == []


def test_an_order_of_another_user_is_not_found(api, account, headers):
    order = placed(api, headers)
    stranger = bearer(sign_in(UserFactory()))
    assert api.get(f"/api/orders/{order['orderId']}", **stranger).status_code == 404
    assert api.delete(f"/api/orders/{order['orderId']}", **stranger).status_code == 404
    response = api.get("/api/orders/not-a-uuid", **headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Order not found.", "code": "404"}


def test_delete_cancels_an_open_order_on_the_venue(api, account, headers):
    order = placed(api, headers)

    response = api.delete(f"/api/orders/{order['orderId']}", **headers)

    assert response.status_code == 200
    assert response.json()["order"]["status"] == "CANCELLED"
    assert response.json()["order"]["orderId"] == order["orderId"]
    row = Order.objects.get(id=order["orderId"])
    assert PaperOrder.objects.get(client_order_id=row.client_order_id).status == "cancelled"


@pytest.mark.parametrize("fields", [{"orderType": "MARKET", "price": None}, {"timeInForce": "IOC"}])
def test_delete_of_a_final_order_is_a_conflict(api, account, headers, fields):
    order = placed(api, headers, **fields)
    response = api.delete(f"/api/orders/{order['orderId']}", **headers)
    assert response.status_code == 409
    assert "only open orders can be cancelled" in response.json()["error"]


def test_the_orders_api_needs_a_signed_in_user(api):
    assert api.get("/api/orders").status_code == 401
    assert api.post("/api/orders", {}, format="json").status_code == 401
    assert api.get(f"/api/orders/{uuid.uuid4()}").status_code == 401


def test_an_order_with_an_expiry_shows_it(api, account, headers):
    expires = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    order = placed(api, headers, expiresAt=expires.isoformat())
    assert order["expiresAt"] == expires.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize("query", ["page=0", "page=100001", "limit=501", "limit=x", "market=eth"])
def test_it_rejects_a_bad_list_query(api, headers, query):
    response = api.get(f"/api/orders?{query}", **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "400"


def test_an_account_with_a_live_order_cannot_be_removed(api, account, headers):
    placed(api, headers)

    removal = api.delete(f"/api/v1/exchanges/accounts/{account.id}", **headers)

    assert removal.status_code == 409
    assert removal.json()["error"]["code"] == "ACCOUNT_HAS_OPEN_TRADES"
    account.refresh_from_db()
    assert account.status == "ACTIVE"


def test_an_order_that_closes_a_held_position_passes_even_at_the_open_positions_limit(api, user, account, headers):
    from apps.trades.models import RiskConfig

    RiskConfig.objects.create(user=user, max_open_positions=1, max_position_size=Decimal("10"))
    placed(api, headers, market="BTC_USDT", orderType="MARKET", price=None, quantity=0.5)

    larger = place(api, headers, market="BTC_USDT", side="SELL", orderType="MARKET", price=None, quantity=0.6)
    closing = placed(api, headers, market="BTC_USDT", side="SELL", orderType="MARKET", price=None, quantity=0.5)

    assert larger.status_code == 422 and "max_open_positions" in larger.json()["error"]
    assert closing["status"] == "FILLED"
    assert Order.objects.get(id=closing["orderId"]).reduce_only
    assert not PaperPosition.objects.filter(account=account).exclude(quantity=0).exists()
