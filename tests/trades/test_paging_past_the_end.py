"""The desk's trade-group list and the app's order list answer a page past the end with an empty
page, not an error (issue 8), so a client that fetches until empty stops cleanly."""

from __future__ import annotations

import json

import pytest

from tests.trades.conftest import SEED_TICKET

pytestmark = pytest.mark.django_db

RESTING = {
    **SEED_TICKET,
    "entry_price": "49500",
    "stop_loss_price": "48500",
    "take_profit": [{"price": "51000", "quantity": "0.25"}, {"price": "52500", "quantity": "0.25"}],
}


def test_a_trade_group_page_past_the_end_is_empty_with_the_pagination(api, auth, paper_account):
    assert api.post("/api/v1/trades", RESTING, format="json", **auth).status_code == 201

    response = api.get("/api/v1/trades", {"page": 3, "limit": 1}, **auth)

    assert response.status_code == 200, response.content
    assert response.json() == {"data": [], "pagination": {"page": 3, "limit": 1, "total": 1}}


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_a_trade_group_page_that_is_not_a_positive_integer_is_still_a_400(api, auth, page):
    response = api.get("/api/v1/trades", {"page": page}, **auth)
    assert response.status_code == 400
    assert "page must be a positive integer" in response.json()["error"]["message"]


def test_an_order_page_past_the_end_is_an_empty_list(api, auth, paper_account):
    body = {"market": "BTC_USDT", "side": "BUY", "orderType": "LIMIT", "quantity": 0.01, "price": 40000}
    assert api.post("/api/orders", json.dumps(body), content_type="application/json", **auth).status_code == 201

    response = api.get("/api/orders", {"page": 2, "limit": 1}, **auth)

    assert response.status_code == 200, response.content
    assert response.json() == {"orders": []}


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_an_order_page_that_is_not_a_positive_integer_is_still_a_400(api, auth, page):
    response = api.get("/api/orders", {"page": page}, **auth)
    assert response.status_code == 400
    assert response.json()["code"] == "400"
