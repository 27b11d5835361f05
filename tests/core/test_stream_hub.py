"""Public streams go through one channel-layer membership per process (apps/core/fanout.py);
user streams keep one per socket; a socket that falls behind is closed, never skipped."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core import fanout
from apps.core.consumers import StreamConsumer
from apps.core.fanout import CLOSE_SERVER_ERROR, CLOSE_TOO_SLOW
from apps.core.streams import publish

send = sync_to_async(publish)


def members(stream: str) -> int:
    """How many channels are in the stream's group, in Redis."""
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return client.zcard(f"{prefix}:group:stream.{stream}")
    finally:
        client.close()


def a_market() -> str:
    # A stream no other test has joined, so the group's members are this test's alone.
    return f"T{uuid.uuid4().hex[:12]}"


async def test_a_process_joins_a_public_stream_once_however_many_sockets_subscribe(open_socket):
    stream = f"ticker.{a_market()}"
    sockets = [await open_socket() for _ in range(3)]
    for socket in sockets:
        await socket.subscribe(stream)

    await send(stream, {"last": "1"})

    assert await sync_to_async(members)(stream) == 1
    for socket in sockets:
        assert await socket.receive() == {"stream": stream, "data": {"last": "1"}}


async def test_the_process_leaves_a_public_stream_when_its_last_socket_does(open_socket):
    stream = f"trade.{a_market()}"
    staying, leaving = await open_socket(), await open_socket()
    await staying.subscribe(stream)
    await leaving.subscribe(stream)

    await leaving.unsubscribe(stream, request_id=2)
    assert await sync_to_async(members)(stream) == 1
    await staying.unsubscribe(stream, request_id=3)

    assert await sync_to_async(members)(stream) == 0


async def test_a_stream_joined_again_as_its_last_socket_leaves_it_gets_every_event(open_socket):
    # The hub's read of the stream ends after the leave; the join that follows must not miss it.
    stream = f"ticker.{a_market()}"
    socket = await open_socket()
    await socket.subscribe(stream)
    await socket.unsubscribe(stream, request_id=2)
    await socket.subscribe(stream, request_id=3)

    for n in range(3):
        await send(stream, {"n": n})

    assert [await socket.receive() for _ in range(3)] == [{"stream": stream, "data": {"n": n}} for n in range(3)]
    assert await sync_to_async(members)(stream) == 1


async def test_the_hub_takes_every_waiting_event_out_of_redis_in_one_read():
    # Events left in Redis past the layer's expiry are lost: a busy hub must not leave them there.
    layer, stream = get_channel_layer(), f"ticker.{a_market()}"
    channel = f"hub.{uuid.uuid4().hex}"
    await layer.group_add(f"stream.{stream}", channel)
    for n in range(3):
        await layer.group_send(f"stream.{stream}", {"type": "stream.event", "stream": stream, "data": {"n": n}})

    taken = await layer.receive_many(channel)

    assert taken == [{"type": "stream.event", "stream": stream, "data": {"n": n}} for n in range(3)]
    await layer.group_discard(f"stream.{stream}", channel)


async def test_the_hub_renews_its_memberships_before_redis_forgets_them(open_socket, monkeypatch):
    monkeypatch.setattr(fanout, "REFRESH_SECONDS", 0)
    layer, stream = get_channel_layer(), f"trade.{a_market()}"
    socket = await open_socket()
    await socket.subscribe(stream)
    key, redis_ = layer._group_key(f"stream.{stream}"), layer.connection(0)
    [channel] = await redis_.zrange(key, 0, -1)
    # As if it joined nearly `group_expiry` ago: channels-redis drops such a member at its expiry.
    joined_at = time.time() - layer.group_expiry + 60
    await redis_.zadd(key, {channel: joined_at})

    await send(stream, {"n": 1})
    assert await socket.receive() == {"stream": stream, "data": {"n": 1}}

    # The hub renews after handing the event over: give it a moment.
    for _ in range(50):
        if await redis_.zscore(key, channel) > joined_at + 30:
            break
        await asyncio.sleep(0.05)
    assert await redis_.zscore(key, channel) > joined_at + 30


async def test_user_streams_keep_a_membership_per_socket(open_socket, trader, trader_tokens):
    orders = f"order.{trader.id}"
    for _ in range(2):
        socket = await open_socket(token=trader_tokens.access_token)
        await socket.subscribe(orders)

    assert await sync_to_async(members)(orders) == 2


async def test_a_socket_that_cannot_keep_up_is_closed_and_the_others_get_every_event(open_socket, monkeypatch):
    monkeypatch.setattr(fanout, "OUTBOX_LIMIT", 5)
    stream = f"depth.{a_market()}"
    slow, fast = await open_socket(), await open_socket()
    await slow.subscribe(stream)
    await fast.subscribe(stream)
    # The slow client reads nothing: its transport takes one more frame, then every send waits.
    slow.communicator.output_queue._maxsize = 1

    for n in range(20):
        await send(stream, {"n": n})

    assert [(await fast.receive())["data"]["n"] for _ in range(20)] == list(range(20))
    sent = []
    while (message := await slow.communicator.receive_output(timeout=5))["type"] == "websocket.send":
        sent.append(json.loads(message["text"])["data"]["n"])
    # What it was sent came in order and without a gap; then it was closed, not left open.
    assert sent == list(range(len(sent)))
    assert (message["type"], message["code"]) == ("websocket.close", CLOSE_TOO_SLOW)


async def test_a_socket_whose_frame_cannot_be_sent_is_closed_not_left_silent(open_socket, monkeypatch):
    async def broken(self, stream: str, frame: str) -> None:
        raise RuntimeError("the transport refused the frame")

    monkeypatch.setattr(StreamConsumer, "_forward", broken)
    stream = f"ticker.{a_market()}"
    socket = await open_socket()
    await socket.subscribe(stream)

    await send(stream, {"n": 1})

    assert await socket.close_code() == CLOSE_SERVER_ERROR
