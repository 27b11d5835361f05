"""`idempotency_key`: the same key and body return the first result, a different body is a 409,
and concurrent identical requests create one group and one set of exchange orders."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from apps.exchanges.models import PaperOrder
from apps.trades.models import Order, TradeGroup
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory
from tests.trades.conftest import SEED_TICKET
from tests.trades.factories import RiskConfigFactory

URL = "/api/v1/trades"
KEY = "6f1c2d9e-4a55-4a4e-9d0f-2c1f0a9a7b31"
BODY = {**SEED_TICKET, "idempotency_key": KEY}


@pytest.fixture
def post(api, auth, paper_account):
    def post_(body):
        return api.post(URL, body, format="json", **auth)

    return post_


def test_the_same_key_and_body_return_the_first_group(post):
    first = post(BODY)
    again = post(BODY)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["orders"] == first.json()["orders"]
    assert TradeGroup.objects.count() == 1
    assert PaperOrder.objects.filter(order_type__in=["limit", "market"], reduce_only=False).count() == 1


def test_the_same_numbers_written_differently_are_the_same_request(post):
    first = post(BODY)
    again = post({**BODY, "entry_price": "50000", "quantity": "0.50", "leverage": 1, "break_even": False})

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_a_different_body_is_a_conflict(post):
    post(BODY)

    response = post({**BODY, "quantity": "0.6", "take_profit": [{"price": "51500", "quantity": "0.6"}]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert TradeGroup.objects.count() == 1


def test_a_replay_of_a_refused_trade_is_refused_the_same_way(post):
    body = {**BODY, "quantity": "5", "take_profit": [{"price": "51500", "quantity": "5"}]}

    first = post(body)
    again = post(body)

    assert first.status_code == again.status_code == 400
    assert first.json() == again.json()
    assert TradeGroup.objects.count() == 1


def test_a_replay_answers_even_when_the_ticket_would_now_be_rejected(post, trader):
    first = post(BODY)
    trader.risk_config.max_position_size = Decimal("0.1")
    trader.risk_config.save()

    again = post(BODY)

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_keys_belong_to_one_trader(post, api):
    other = UserFactory()
    RiskConfigFactory(user=other)
    account = ExchangeAccountFactory(user=other)
    from apps.exchanges.paper.engine import fund_account

    fund_account(account=account)

    mine = post(BODY)
    theirs = api.post(URL, BODY, format="json", **bearer(sign_in(other)))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_requests_create_one_group_and_one_entry():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so requests never overlap (set DATABASE_URL)")
    from apps.exchanges.paper.engine import set_price

    trader = UserFactory()
    RiskConfigFactory(user=trader)
    account = FundedPaperAccountFactory(user=trader)
    set_price(symbol="BTC_USDT", price=Decimal("50000"))
    headers = bearer(sign_in(trader))
    workers = 50
    start = threading.Barrier(workers)
    answers: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def request() -> None:
        try:
            client = APIClient()
            start.wait(timeout=30)
            response = client.post(URL, BODY, format="json", **headers)
            with lock:
                answers.append((response.status_code, response.json().get("id") or response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == workers
    assert sorted({status for status, _ in answers}) == [200, 201], [a for a in answers if a[0] not in (200, 201)]
    assert [status for status, _ in answers].count(201) == 1
    assert len({group_id for _, group_id in answers}) == 1
    assert TradeGroup.objects.count() == 1
    assert Order.objects.filter(role="ENTRY").count() == 1
    entries = PaperOrder.objects.filter(account=account, reduce_only=False)
    assert entries.count() == 1
