from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from apps.core.streams import group_for
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.factories import FundedPaperAccountFactory
from tests.trades.factories import RiskConfigFactory

# The seed's example ticket: 0.5 BTC at 50000, stop 49000, two targets (R:R 2.25).
SEED_TICKET: dict[str, Any] = {
    "symbol": "BTC_USDT",
    "side": "buy",
    "entry_price": "50000.00",
    "quantity": "0.5",
    "stop_loss_price": "49000.00",
    "take_profit": [
        {"price": "51500.00", "quantity": "0.25", "order_type": "limit"},
        {"price": "53000.00", "quantity": "0.25", "order_type": "limit"},
    ],
}


@pytest.fixture
def trader(db):
    user = UserFactory()
    RiskConfigFactory(user=user)
    return user


@pytest.fixture
def paper_account(trader):
    """The trader's funded paper account, with BTC_USDT at 50000."""
    from apps.exchanges.paper.engine import set_price

    account = FundedPaperAccountFactory(user=trader)
    set_price(symbol="BTC_USDT", price=Decimal("50000"))
    return account


@pytest.fixture
def auth(trader) -> dict[str, str]:
    return bearer(sign_in(trader))


@pytest.fixture
def move_price():
    from apps.exchanges.paper.engine import set_price

    def move(price: str, symbol: str = "BTC_USDT") -> None:
        set_price(symbol=symbol, price=Decimal(price))

    return move


class StreamListener:
    """Listens to streams through the channel layer, as a WebSocket consumer would."""

    def __init__(self) -> None:
        channel_layers.backends.clear()
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()

    def listen(self, *streams: str) -> StreamListener:
        for stream in streams:
            async_to_sync(self.layer.group_add)(group_for(stream), self.channel)
        return self

    def events(self, *, timeout: float = 0.3) -> list[dict[str, Any]]:
        """Every event received until none arrives for `timeout` seconds (once per test: the
        layer's queues stay bound to the event loop of the first read)."""

        async def drain() -> list[dict[str, Any]]:
            received = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), timeout)
                except TimeoutError:
                    return received
                received.append({"stream": message["stream"], "data": message["data"]})

        return async_to_sync(drain)()


@pytest.fixture
def streams():
    listener = StreamListener()
    yield listener
    channel_layers.backends.clear()


@pytest.fixture
def open_trade(trader, paper_account):
    """Opens a trade group from a seed-003 body, as POST /api/v1/trades does."""
    from apps.trades.api.groups import TradeInput
    from apps.trades.services.groups import open_trade_group

    def open_(body: dict[str, Any] | None = None, **changes: Any):
        data = TradeInput(data={**(body or SEED_TICKET), **changes})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        key = fields.pop("idempotency_key", "") or ""
        group, _ = open_trade_group(user=trader, data=fields, idempotency_key=key)
        return group

    return open_
