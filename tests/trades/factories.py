from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from apps.trades.models import Fill, GroupStatus, Order, OrderRole, OrderStatus, RiskConfig, TradeGroup
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import ExchangeAccountFactory


class RiskConfigFactory(factory.django.DjangoModelFactory):
    """Limits wide enough that the seed's example ticket (0.5 BTC, stop 1000 below) passes."""

    class Meta:
        model = RiskConfig

    user = factory.SubFactory(UserFactory)
    account_risk_percent = Decimal("10")
    max_risk_amount = Decimal("10000")
    max_position_size = Decimal("10")
    max_leverage = 10
    daily_max_drawdown_percent = Decimal("50")
    max_open_positions = 10
    require_stop_loss = True
    min_risk_reward_ratio = Decimal("1.5")


class TradeGroupFactory(factory.django.DjangoModelFactory):
    """A saved group without orders: add them with `OrderFactory(group=...)`."""

    class Meta:
        model = TradeGroup

    user = factory.SubFactory(UserFactory)
    exchange_account = factory.SubFactory(ExchangeAccountFactory, user=factory.SelfAttribute("..user"))
    symbol = "BTC_USDT"
    side = "buy"
    entry_price = Decimal("50000")
    quantity = Decimal("0.5")
    stop_loss_price = Decimal("49000")
    status = GroupStatus.PENDING
    decision = factory.LazyFunction(
        lambda: {
            "approved": True,
            "entry_price": "50000",
            "quantity": "0.5",
            "max_quantity": "1",
            "size_limits": {},
            "risk_amount": "500",
            "risk_reward": "2.25",
            "drawdown_percent": "0",
            "violations": [],
        }
    )


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    exchange_account = factory.SubFactory(ExchangeAccountFactory, user=factory.SelfAttribute("..user"))
    group = None
    role = OrderRole.STANDALONE
    symbol = "BTC_USDT"
    side = "buy"
    order_type = "limit"
    price = Decimal("49000")
    quantity = Decimal("0.1")
    status = OrderStatus.PENDING_SUBMIT


class FillFactory(factory.django.DjangoModelFactory):
    """A venue execution as the import or the order sync stores it (fee in the quote asset)."""

    class Meta:
        model = Fill

    user = factory.SubFactory(UserFactory)
    exchange_account = factory.SubFactory(ExchangeAccountFactory, user=factory.SelfAttribute("..user"))
    venue = "paper"
    venue_trade_id = factory.Sequence(lambda n: str(n + 1))
    symbol = "BTC_USDT"
    side = "buy"
    price = Decimal("100")
    quantity = Decimal("1")
    fee = Decimal("0")
    fee_asset = "USDT"
    executed_at = factory.Sequence(lambda n: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n))
