"""`expiresAt`: the beat task cancels due orders on the venue and marks them EXPIRED."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.exchanges.models import PaperOrder
from apps.exchanges.paper import engine
from apps.trades import streams
from apps.trades.models import Order, OrderStatus
from apps.trades.services.orders import NewOrder, expire_due_orders, place_order
from apps.trades.tasks import expire_orders
from tests.accounts.factories import bearer, sign_in
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(user):
    return FundedPaperAccountFactory(user=user)


@pytest.fixture
def published(monkeypatch):
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(streams, "publish_on_commit", lambda stream, data: events.append((stream, data)))
    return events


def resting(user, account, *, expires_in: timedelta = timedelta(hours=1), price: str = "2900") -> Order:
    order, _ = place_order(
        user=user,
        account=account,
        new=NewOrder(
            symbol="ETH_USDC",
            side="buy",
            order_type="limit",
            quantity=Decimal("0.5"),
            price=Decimal(price),
            expires_at=timezone.now() + expires_in,
        ),
    )
    assert order.status == OrderStatus.OPEN
    return order


def test_an_order_past_its_expiry_is_cancelled_on_the_venue_and_expired(user, account, published):
    order = resting(user, account)
    later = timezone.now() + timedelta(hours=2)  # the clock, passed in instead of frozen

    assert expire_due_orders(now=later) == 1

    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert PaperOrder.objects.get(client_order_id=order.client_order_id).status == "cancelled"
    assert (f"order.{user.id}", "expired") in [(stream, data["status"]) for stream, data in published]


def test_the_api_shows_an_expired_order_as_expired(api, user, account):
    order = resting(user, account)
    Order.objects.filter(id=order.id).update(expires_at=timezone.now() - timedelta(seconds=1))

    expire_orders()  # the beat task, as the worker runs it

    body = api.get(f"/api/orders/{order.id}", **bearer(sign_in(user))).json()
    assert body["order"]["status"] == "EXPIRED"


def test_orders_not_yet_due_are_left_alone(user, account):
    order = resting(user, account)
    assert expire_due_orders() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_expiring_twice_changes_nothing_the_second_time(user, account, published):
    order = resting(user, account)
    later = timezone.now() + timedelta(hours=2)
    expire_due_orders(now=later)
    events = len(published)

    assert expire_due_orders(now=later) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert len(published) == events


def test_an_order_that_filled_before_its_expiry_stays_filled(user, account):
    order = resting(user, account)
    engine.set_price(symbol="ETH_USDC", price=Decimal("2850"))  # fills on the venue, not yet synced

    assert expire_due_orders(now=timezone.now() + timedelta(hours=2)) == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.FILLED
    assert order.fills.count() == 1


def test_a_cancelled_order_is_not_expired(api, user, account):
    order = resting(user, account)
    api.delete(f"/api/orders/{order.id}", **bearer(sign_in(user)))
    assert expire_due_orders(now=timezone.now() + timedelta(hours=2)) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_the_expiry_task_runs_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.trades.tasks.expire_orders" in tasks
