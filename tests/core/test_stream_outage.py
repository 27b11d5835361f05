"""Sockets through a Redis outage: the channel layer's own Redis is killed and started again while
sockets are open (config.asgi in memory; tests/core/test_redis_outage.py does it with servers)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
import redis
from asgiref.sync import sync_to_async

from apps.core.streams import publish
from tests.conftest import require_binary
from tests.core.servers import LOOPBACK, free_port, redis_server

send = sync_to_async(publish)


@pytest.fixture
def layer_redis(settings, tmp_path):
    """A Redis of this test's own behind the channel layer; `.kill()` it, `with` it again."""
    require_binary("redis-server")
    port = free_port()
    server = redis_server(tmp_path, port)
    url = f"redis://{LOOPBACK}:{port}/0"
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {**config, "hosts": [{**config["hosts"][0], "address": url}], "reconnect_max_seconds": 0.5},
        }
    }
    with server:
        server.wait_ready(timeout=10)
        server.url = url
        yield server


async def restart(server) -> None:
    await asyncio.to_thread(server.__enter__)
    await asyncio.to_thread(server.wait_ready, timeout=10)


async def first_event(socket, stream: str, *, within: float = 15) -> dict:
    """Publish on `stream` every 0.2 s until the socket gets one of the events: the layer rejoins
    its groups a moment after Redis answers, and an event sent before that reaches nobody."""
    deadline = time.monotonic() + within
    sequence = 0
    while time.monotonic() < deadline:
        sequence += 1
        await send(stream, {"n": sequence})
        # Not receive(timeout=...): a timed-out receive cancels the application under test.
        if not await socket.communicator.receive_nothing(timeout=0.2):
            return await socket.receive()
    raise AssertionError(f"no event on {stream} within {within}s of Redis coming back")


async def reply(socket, method: str, request_id: int) -> dict:
    """The reply to a request, past the stream events that arrive before it."""
    await socket.communicator.send_json_to({"method": method, "params": [], "id": request_id})
    while "stream" in (message := await socket.receive()):
        pass
    return message


def outage_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name in ("apps.core.channel_layer", "apps.core.streams")]


async def test_open_sockets_get_events_again_after_redis_restarts(layer_redis, open_socket, caplog):
    caplog.set_level(logging.INFO)
    sockets = [await open_socket() for _ in range(5)]
    for socket in sockets:
        await socket.subscribe("ticker.BTC_USDT")

    layer_redis.kill()
    await asyncio.sleep(1)  # every socket's read hits the dead Redis meanwhile
    await restart(layer_redis)

    for socket in sockets:
        event = await first_event(socket, "ticker.BTC_USDT")
        assert event["stream"] == "ticker.BTC_USDT"
    # Still open, and still answering the protocol.
    assert await reply(sockets[0], "LIST_SUBSCRIPTIONS", 7) == {"result": ["ticker.BTC_USDT"], "id": 7}
    records = outage_records(caplog)
    assert not [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
    lost = [r for r in records if "cannot reach Redis" in r.getMessage()]
    back = [r for r in records if "reached Redis again" in r.getMessage()]
    assert (len(lost), len(back)) == (1, 1), [r.getMessage() for r in records]


async def test_a_subscription_made_during_the_outage_takes_effect_when_redis_returns(layer_redis, open_socket):
    socket = await open_socket()
    await socket.subscribe("ticker.ETH_USDT")

    layer_redis.kill()
    assert await socket.subscribe("trade.ETH_USDT", request_id=2) == {"result": None, "id": 2}
    await restart(layer_redis)

    assert (await first_event(socket, "trade.ETH_USDT"))["stream"] == "trade.ETH_USDT"


async def test_a_socket_opened_during_the_outage_works_once_redis_returns(layer_redis, open_socket):
    layer_redis.kill()
    socket = await open_socket()
    assert await socket.subscribe("depth.BTC_USDT") == {"result": None, "id": 1}
    await restart(layer_redis)

    assert (await first_event(socket, "depth.BTC_USDT"))["stream"] == "depth.BTC_USDT"


async def test_a_connection_redis_drops_is_reconnected_with_one_quiet_line(layer_redis, open_socket, caplog):
    """What "minutes after Redis came back" looked like: the server drops the layer's
    connections (a restart behind a proxy, a timeout, CLIENT KILL) while keeping its data."""
    caplog.set_level(logging.INFO)
    socket = await open_socket()
    await socket.subscribe("ticker.BTC_USDT")

    await asyncio.to_thread(kill_clients, layer_redis.url)

    assert (await first_event(socket, "ticker.BTC_USDT"))["stream"] == "ticker.BTC_USDT"
    records = outage_records(caplog)
    assert [(r.levelname, "reconnected, rejoined 1 stream memberships" in r.getMessage()) for r in records] == [
        ("INFO", True)
    ]


def kill_clients(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.client_kill_filter(_type="normal", skipme=True)
    finally:
        client.close()


def test_a_publish_during_an_outage_logs_one_line_and_raises_nothing(layer_redis, caplog):
    caplog.set_level(logging.INFO)
    layer_redis.kill()

    assert [publish("ticker.BTC_USDT", {"n": n}) for n in range(3)] == [False, False, False]

    with layer_redis:
        layer_redis.wait_ready(timeout=10)
        assert publish("ticker.BTC_USDT", {"n": 4}) is True
    messages = [r.getMessage() for r in outage_records(caplog)]
    assert len(messages) == 2, messages
    assert "dropped" in messages[0] and "channel layer is unavailable" in messages[0]
    assert "flow again" in messages[1] and "3 events were dropped" in messages[1]
    assert not [r for r in caplog.records if r.exc_info]
