"""The trade-group presenter answers exactly what TradeGroupOutput did (the serializer stays as
the schema): same keys in the same order, same values, for groups covering every branch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from apps.trades.api.groups import TradeGroupOutput
from apps.trades.models import GroupStatus, OrderRole, OrderStatus
from apps.trades.presenters import present_group
from apps.trades.selectors import trade_group_for
from tests.trades.conftest import SEED_TICKET
from tests.trades.factories import OrderFactory, TradeGroupFactory

pytestmark = pytest.mark.django_db


def as_text(data) -> str:
    """JSON text with the keys in their order, so a reordered object differs."""
    return json.dumps(json.loads(JSONRenderer().render(data)))


def test_it_writes_a_group_key_for_key_as_its_serializer_did(open_trade):
    rejected = {
        "approved": False,
        "entry_price": "50000",
        "quantity": "0.5",
        "max_quantity": "0.25",
        "size_limits": {"risk": "0.25", "leverage": None},
        "risk_amount": None,
        "risk_reward": None,
        "drawdown_percent": "1.5",
        "violations": [{"rule": "max_risk", "message": "Too much risk."}],
    }
    closed = TradeGroupFactory(
        status=GroupStatus.CLOSED,
        entry_price=None,
        entry_type="market",
        stop_loss_price=None,
        filled_quantity=Decimal("0.500000000000000000"),
        average_entry_price=Decimal("50123.450000000000000000"),
        closed_quantity=Decimal("0.5"),
        realized_pnl=Decimal("-12.5"),
        close_reason="stop_loss",
        idempotency_key="k-1",
        decision=rejected,
        closed_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    OrderFactory(
        user=closed.user,
        exchange_account=closed.exchange_account,
        group=closed,
        role=OrderRole.ENTRY,
        order_type="market",
        price=None,
        status=OrderStatus.FILLED,
        filled_quantity=Decimal("0.5"),
        average_price=Decimal("50123.45"),
        venue_order_id="17",
    )
    OrderFactory(
        user=closed.user,
        exchange_account=closed.exchange_account,
        group=closed,
        role=OrderRole.TAKE_PROFIT,
        target_index=1,
        side="sell",
        reduce_only=True,
        stop_price=Decimal("1E+5"),
        status=OrderStatus.REJECTED,
        error="Insufficient margin.",
    )
    opened = open_trade(entry_type="market", entry_price=None)

    for group in (closed, opened):
        read = trade_group_for(user=group.user, group_id=group.id)
        assert as_text(present_group(read)) == as_text(TradeGroupOutput(read).data)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"entry_price": "49500", "stop_loss_price": "48500"}, id="resting-limit"),
        pytest.param({"entry_type": "market", "entry_price": None}, id="market-filled-and-protected"),
    ],
)
def test_the_trade_a_post_opens_answers_what_its_detail_then_reads(api, auth, paper_account, changes):
    # The create answers from the rows it wrote, not a read back: it must still be that read.
    body = {name: value for name, value in {**SEED_TICKET, **changes}.items() if value is not None}
    created = api.post("/api/v1/trades", body, format="json", **auth)
    assert created.status_code == 201, created.json()

    detail = api.get(f"/api/v1/trades/{created.json()['id']}", **auth)

    assert json.dumps(created.json()) == json.dumps(detail.json())
