"""The ccxt.pro market feed, against a local server speaking Binance's spot stream protocol."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.cache import cache
from websockets.asyncio.server import ServerConnection, serve

from apps.core.fanout import watch_key
from apps.exchanges.venues.ccxt_venue import streams


class BinanceStreams:
    """Answers SUBSCRIBE like Binance, then sends each subscribed stream's payload every 50 ms."""

    def __init__(self) -> None:
        self.subscribed: list[str] = []
        self.paths: list[str] = []
        self.price = "50123.45000000"
        self.update_id = 100  # the book's last diff, as the REST snapshot reports it

    def depth_snapshot(self) -> dict[str, Any]:
        return {"lastUpdateId": self.update_id, "bids": [["50123.40000000", "1.00000000"]],
                "asks": [["50123.50000000", "2.00000000"]]}  # fmt: skip

    def payload(self, param: str) -> dict[str, Any] | None:
        market, _, channel = param.partition("@")
        symbol, now = market.upper(), 1_700_000_000_000
        if channel == "ticker":
            return {"e": "24hrTicker", "E": now, "s": symbol, "c": self.price, "b": "50123.40000000",
                    "a": "50123.50000000", "o": "50000.00000000", "h": self.price, "l": "49000.00000000",
                    "v": "12.00000000", "q": "601481.40000000", "C": now}  # fmt: skip
        if channel == "trade":
            return {"e": "trade", "E": now, "s": symbol, "t": 7, "p": self.price, "q": "0.25000000",
                    "T": now, "m": True, "M": True}  # fmt: skip
        if channel.startswith("depth"):
            self.update_id += 1
            return {"e": "depthUpdate", "E": now, "s": symbol, "U": self.update_id, "u": self.update_id,
                    "b": [["50123.30000000", "0.75000000"]], "a": []}  # fmt: skip
        return None

    async def handler(self, connection: ServerConnection) -> None:
        self.paths.append(connection.request.path)
        params: list[str] = []

        async def push() -> None:
            while True:
                for param in list(params):
                    payload = self.payload(param)
                    if payload is not None:
                        await connection.send(json.dumps(payload))
                await asyncio.sleep(0.05)

        pusher = asyncio.create_task(push())
        try:
            async for text in connection:
                message = json.loads(text)
                if message.get("method") == "SUBSCRIBE":
                    params.extend(message["params"])
                    self.subscribed.extend(message["params"])
                elif message.get("method") == "UNSUBSCRIBE":
                    params[:] = [p for p in params if p not in message["params"]]
                await connection.send(json.dumps({"result": None, "id": message.get("id")}))
        except Exception:  # noqa: S110 - the client hanging up ends the connection either way
            pass
        finally:
            pusher.cancel()


@pytest.fixture
async def stream_server(binance_server, settings):
    server = BinanceStreams()
    async with serve(server.handler, "127.0.0.1", 0) as ws:
        host, port = ws.sockets[0].getsockname()[:2]
        settings.EXCHANGE_BASE_URLS = {**settings.EXCHANGE_BASE_URLS, "binance:ws": f"ws://{host}:{port}"}
        settings.PAPER_MARKETS = {"SOL_USDT": "150"}
        rest_route = binance_server.route

        def route(method: str, path: str, params: dict[str, str]) -> Any:
            return server.depth_snapshot() if path == "/api/v3/depth" else rest_route(method, path, params)

        binance_server.route = route
        yield server


@pytest.fixture
def published(monkeypatch):
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(streams, "publish", lambda stream, data: sent.append((stream, data)))
    return sent


async def watch(*names: str) -> None:
    await cache.aset_many({watch_key(name): 1 for name in names}, timeout=60)


async def run_until(published: list, predicate, *, max_seconds: float = 10) -> None:
    stop = asyncio.Event()

    async def watcher() -> None:
        while not predicate(published):
            await asyncio.sleep(0.05)
        stop.set()

    checking = asyncio.create_task(watcher())
    await streams.stream_markets("binance", stop=stop, max_seconds=max_seconds, refresh_seconds=0.2)
    checking.cancel()


@pytest.fixture(autouse=True)
async def _clean_watch_marks():
    names = [f"{kind}.{symbol}" for kind in streams.KINDS for symbol in ("BTC_USDT", "ETH_USDT")]
    await cache.adelete_many([watch_key(name) for name in names])
    yield
    await cache.adelete_many([watch_key(name) for name in names])


async def test_a_watched_ticker_is_published_with_the_exchanges_exact_price(stream_server, published):
    await watch("ticker.BTC_USDT")

    await run_until(published, lambda sent: any(stream == "ticker.BTC_USDT" for stream, _ in sent))

    event = next(data for stream, data in published if stream == "ticker.BTC_USDT")
    assert (event["e"], event["s"], event["c"]) == ("ticker", "BTC_USDT", D("50123.45"))
    assert isinstance(event["c"], D) and str(event["c"]) == "50123.45"
    assert (event["b"], event["a"]) == (D("50123.4"), D("50123.5"))
    assert stream_server.subscribed == ["btcusdt@ticker"]
    assert all(path.startswith("/ws") for path in stream_server.paths)


async def test_a_watched_trade_stream_publishes_each_trade(stream_server, published):
    await watch("trade.ETH_USDT")
    stream_server.price = "3001.50000000"

    await run_until(published, lambda sent: any(stream == "trade.ETH_USDT" for stream, _ in sent))

    _, event = next(item for item in published if item[0] == "trade.ETH_USDT")
    assert (event["e"], event["s"], event["p"], event["q"]) == ("trade", "ETH_USDT", D("3001.5"), D("0.25"))
    assert event["m"] is True and isinstance(event["T"], int)


async def test_a_watched_book_is_published_from_the_snapshot_and_its_diffs(stream_server, published):
    await watch("depth.BTC_USDT")

    def merged(event: dict) -> bool:
        return len(event["b"]) == 2

    await run_until(published, lambda sent: any(s == "depth.BTC_USDT" and merged(e) for s, e in sent))

    # Whether the snapshot alone is published first depends on when the diff arrives; the book
    # the diff leads to is what a watcher must end up with.
    event = next(event for stream, event in published if stream == "depth.BTC_USDT" and merged(event))
    assert (event["e"], event["s"]) == ("depthUpdate", "BTC_USDT")
    assert event["b"] == [[D("50123.4"), D("1")], [D("50123.3"), D("0.75")]]
    assert event["a"] == [[D("50123.5"), D("2")]]
    assert all(isinstance(number, D) for level in event["b"] + event["a"] for number in level)


async def test_paper_markets_and_unwatched_streams_are_not_followed(stream_server, published, settings):
    settings.PAPER_MARKETS = {"BTC_USDT": "50000"}
    await watch("ticker.BTC_USDT")

    await run_until(published, lambda sent: False, max_seconds=1.0)

    assert published == []
    assert stream_server.subscribed == []


async def test_a_stream_nobody_watches_any_more_is_dropped(stream_server, published):
    await watch("ticker.ETH_USDT")
    stop = asyncio.Event()
    streamer = streams.MarketStreamer("binance", refresh_seconds=0.1)
    running = asyncio.create_task(streamer.run(stop=stop, max_seconds=10))
    for _ in range(100):
        if published:
            break
        await asyncio.sleep(0.05)
    assert published and set(streamer.tasks) == {"ticker.ETH_USDT"}

    await cache.adelete(watch_key("ticker.ETH_USDT"))
    for _ in range(100):
        if not streamer.tasks:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await running

    assert streamer.tasks == {}


def test_book_levels_become_tidy_decimals():
    book = {"timestamp": 5, "bids": [[D("100.10"), D("2.000")], [D("100.00"), D("1")]], "asks": [[D("100.2"), D("3")]]}

    event = streams.depth_event("BTC_USDT", book, levels=1)

    assert event == {
        "e": "depthUpdate",
        "E": 5,
        "s": "BTC_USDT",
        "b": [[D("100.1"), D("2")]],
        "a": [[D("100.2"), D("3")]],
    }


def test_an_unreadable_ticker_is_refused_rather_than_published():
    with pytest.raises(ValueError, match="last price"):
        streams.ticker_event("BTC_USDT", {"last": None, "bid": "1"})


def test_the_command_says_the_feed_is_off_without_an_exchange(settings, capsys):
    from django.core.management import call_command

    settings.MARKET_FEED_EXCHANGE = ""

    call_command("stream_markets")

    assert "MARKET_FEED_EXCHANGE is not set" in capsys.readouterr().out
