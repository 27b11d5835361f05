"""The paper market feed: a bounded walk that fills resting orders and publishes to watchers."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from apps.core.fanout import watch_key, watched_streams
from apps.exchanges import tasks
from apps.exchanges.models import PaperOrder, PaperPrice
from apps.exchanges.paper import engine, feed
from apps.exchanges.venues.base import OrderRequest
from config.asgi import application
from tests.exchanges.factories import FundedPaperAccountFactory


class Extreme(random.Random):
    """Every draw at its lower (`down`) or upper bound: the walk's largest step each tick."""

    def __init__(self, *, down: bool) -> None:
        super().__init__()
        self.down = down

    def randint(self, a: int, b: int) -> int:
        return a if self.down else b

    def random(self) -> float:
        return 0.0


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    channel_layers.backends.clear()


@pytest.fixture
def published(monkeypatch):
    """Streams and events the feed publishes, recorded instead of sent."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(feed, "publish", lambda stream, data: sent.append((stream, data)))
    return sent


def no_broadcast_due() -> None:
    cache.add(feed.BROADCAST_KEY, 1, timeout=feed.BROADCAST_SECONDS)


@pytest.mark.django_db(transaction=True)
async def test_a_tick_publishes_ticker_trade_and_depth_to_a_watching_socket():
    communicator = WebsocketCommunicator(application, "/ws")
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    streams = ["ticker.BTC_USDT", "trade.BTC_USDT", "depth.BTC_USDT"]
    await communicator.send_json_to({"method": "SUBSCRIBE", "params": streams, "id": 1})
    assert await communicator.receive_json_from(timeout=5) == {"result": None, "id": 1}
    await sync_to_async(no_broadcast_due)()

    await sync_to_async(feed.tick_market)()

    events = {}
    for _ in streams:
        message = await communicator.receive_json_from(timeout=5)
        events[message["stream"]] = message["data"]
    await communicator.disconnect()
    price = await sync_to_async(lambda: str(engine.current_price("BTC_USDT")))()
    ticker, trade, depth = (events[stream] for stream in streams)
    assert (ticker["e"], ticker["s"], ticker["c"]) == ("ticker", "BTC_USDT", price)
    assert (trade["e"], trade["s"], trade["p"]) == ("trade", "BTC_USDT", price)
    assert D(trade["q"]) > 0 and isinstance(trade["T"], int)
    assert (depth["e"], depth["s"], len(depth["b"]), len(depth["a"])) == ("depthUpdate", "BTC_USDT", 5, 5)
    best_bid, best_ask = D(depth["b"][0][0]), D(depth["a"][0][0])
    assert best_bid < D(price) < best_ask
    assert [D(level[0]) for level in depth["b"]] == sorted((D(level[0]) for level in depth["b"]), reverse=True)
    assert (ticker["b"], ticker["a"]) == (depth["b"][0][0], depth["a"][0][0])


@pytest.mark.django_db(transaction=True)
async def test_subscribing_marks_public_streams_as_watched():
    communicator = WebsocketCommunicator(application, "/ws")
    await communicator.connect(timeout=5)
    await communicator.send_json_to({"method": "SUBSCRIBE", "params": ["depth.ETH_USDT"], "id": 1})
    await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    watched = await sync_to_async(watched_streams)(["depth.ETH_USDT", "depth.BTC_USDT"])

    assert watched == {"depth.ETH_USDT"}


@pytest.mark.django_db
def test_a_tick_publishes_only_the_streams_someone_watches(published):
    no_broadcast_due()
    cache.set(watch_key("depth.ETH_USDT"), 1, timeout=60)

    feed.tick_market()

    assert [stream for stream, _ in published] == ["depth.ETH_USDT"]


@pytest.mark.django_db
def test_a_tick_publishes_every_stream_once_in_a_while_so_lapsed_watchers_come_back(published):
    feed.tick_market()
    everything = {stream for stream, _ in published}
    published.clear()
    feed.tick_market()

    assert everything == {f"{kind}.{symbol}" for kind in feed.KINDS for symbol in engine.markets()}
    assert published == []


@pytest.mark.django_db
def test_a_tick_fills_a_resting_order_the_price_falls_through(published):
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    account = FundedPaperAccountFactory()
    request = OrderRequest(
        symbol="BTC_USDT", side="buy", order_type="limit", quantity=D("0.1"), price=D("49990"), client_order_id="a"
    )
    engine.place_order(account=account, request=request)

    prices = feed.tick_market(rng=Extreme(down=True))

    assert prices["BTC_USDT"] == D("49975")  # 50000 less 0.05%
    order = PaperOrder.objects.get()
    assert (order.status, order.average_price) == ("filled", D("49990"))


@pytest.mark.django_db
def test_the_walk_moves_at_most_its_step_and_stays_on_the_tick(published):
    rng = random.Random(7)
    for _ in range(30):
        before = engine.current_prices()
        after = feed.tick_market(rng=rng)
        for symbol, price in after.items():
            step = engine.price_step(symbol)
            assert abs(price - before[symbol]) <= before[symbol] * feed.MAX_MOVE + step / 2
            assert price % step == 0


@pytest.mark.django_db
def test_the_walk_stays_within_half_and_twice_the_opening_price(published):
    engine.set_price(symbol="SOL_USDT", price=D("300"))
    engine.set_price(symbol="BTC_USDT", price=D("25000"))

    up = feed.tick_market(rng=Extreme(down=False))
    down = feed.tick_market(rng=Extreme(down=True))

    assert up["SOL_USDT"] == D("300")
    assert down["BTC_USDT"] == D("25000")


@pytest.mark.django_db
def test_the_beat_task_moves_every_paper_market(settings, published):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    tasks.tick_market.delay()

    assert set(PaperPrice.objects.values_list("symbol", flat=True)) == set(engine.markets())
    for symbol, opening in engine.markets().items():
        assert abs(engine.current_price(symbol) - opening) <= opening * feed.MAX_MOVE


def test_feed_prices_read_as_the_api_writes_them():
    events = feed.market_events("BTC_USDT", D("49995.0"), random.Random(7), 0)

    assert str(events["ticker"]["c"]) == "49995"
    assert str(events["trade"]["p"]) == "49995"
    assert str(events["depth"]["b"][0][0]) == "49994.9"
