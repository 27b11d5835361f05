"""Before the position guard counts what a new trade group would meet, the symbol's live orders
are read back from the venue once: a fill the sync has not recorded yet is counted, and orders
the venue lists unchanged are not asked for one by one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.exchanges.venues.paper import PaperVenue
from apps.trades.models import Order, OrderRole, OrderStatus
from tests.trades.conftest import SEED_TICKET

pytestmark = pytest.mark.django_db

TRADES = "/api/v1/trades"
MARKET = {
    **{k: v for k, v in SEED_TICKET.items() if k != "entry_price"},
    "entry_type": "market",
    "quantity": "0.05",
    "take_profit": [{"price": "51500", "quantity": "0.025"}, {"price": "53000", "quantity": "0.025"}],
}


@pytest.fixture
def post(api, auth, paper_account):
    def post_(body):
        return api.post(TRADES, body, format="json", **auth)

    return post_


def test_a_stop_filled_on_the_venue_but_not_yet_synced_frees_the_position_for_a_new_group(post, move_price):
    first = post(MARKET).json()["id"]
    move_price("48900")  # the first group's stop (49000) fills on the venue; no sync has run

    second = post(
        {
            **MARKET,
            "stop_loss_price": "48000",
            "take_profit": [{"price": "50000", "quantity": "0.025"}, {"price": "51000", "quantity": "0.025"}],
        }
    )

    assert second.status_code == 201, second.json()
    stop = Order.objects.get(group_id=first, role=OrderRole.STOP_LOSS)
    assert (stop.status, stop.filled_quantity) == (OrderStatus.FILLED, Decimal("0.05"))


def test_live_orders_the_venue_lists_unchanged_are_not_asked_for_one_by_one(post, monkeypatch):
    for _ in range(3):
        assert post(MARKET).status_code == 201
    asked = []
    real = PaperVenue.fetch_order

    def fetch_order(self, **ids):
        asked.append(ids)
        return real(self, **ids)

    monkeypatch.setattr(PaperVenue, "fetch_order", fetch_order)

    assert post(MARKET).status_code == 201
    assert asked == []
