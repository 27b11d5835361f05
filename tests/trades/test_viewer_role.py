"""Viewers may look at trading but never change it: no account, trade, order or risk change."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role
from apps.exchanges.paper.engine import fund_account
from apps.trades.models import Order, RiskConfig, TradeGroup
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.accounts.test_pages import signed_in_client
from tests.exchanges.factories import ExchangeAccountFactory

pytestmark = pytest.mark.django_db

TRADE = {
    "symbol": "BTC_USDT",
    "side": "buy",
    "entry_price": "49000",
    "quantity": "0.01",
    "stop_loss_price": "48500",
    "take_profit": [{"price": "51000", "quantity": "0.01", "order_type": "limit"}],
}


@pytest.fixture
def viewer():
    user = UserFactory(role=Role.VIEWER)
    fund_account(account=ExchangeAccountFactory(user=user))
    return user


def test_a_viewer_can_list_trades_and_accounts(api, viewer):
    headers = bearer(sign_in(viewer))

    assert api.get("/api/v1/trades", **headers).status_code == 200
    assert api.get("/api/v1/exchanges/accounts", **headers).status_code == 200
    assert api.get("/api/orders", **headers).status_code == 200
    assert api.get("/api/v1/risk-config", **headers).status_code == 200


def test_a_viewer_cannot_open_a_trade_or_place_an_order(api, viewer):
    headers = bearer(sign_in(viewer))

    trade = api.post("/api/v1/trades", TRADE, format="json", **headers)
    order = api.post(
        "/api/orders",
        {"market": "BTC_USDT", "side": "BUY", "orderType": "LIMIT", "quantity": 0.01, "price": 49000},
        format="json",
        **headers,
    )

    assert trade.status_code == 403
    assert "operator role" in trade.json()["error"]["message"]
    assert order.status_code == 403
    assert order.json()["code"] == "403"
    assert not TradeGroup.objects.exists()
    assert not Order.objects.exists()


def test_a_viewer_cannot_change_risk_settings_or_add_an_exchange_account(api, viewer):
    headers = bearer(sign_in(viewer))

    risk = api.put("/api/v1/risk-config", {"max_leverage": 100}, format="json", **headers)
    account = api.post("/api/v1/exchanges/accounts", {"exchange_name": "paper"}, format="json", **headers)

    assert risk.status_code == 403
    assert account.status_code == 403
    assert not RiskConfig.objects.filter(user=viewer).exists()
    assert viewer.exchange_accounts.count() == 1


def test_a_viewer_sees_the_ticket_page_but_cannot_post_it(viewer):
    client, _session = signed_in_client(viewer)

    assert client.get("/trade").status_code == 200
    refused = client.post("/trade", {"symbol": "BTC_USDT"})

    assert refused.status_code == 403
    assert b"operator role" in refused.content
    assert not TradeGroup.objects.exists()
