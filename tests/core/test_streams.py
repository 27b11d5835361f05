"""Seed 003's stream protocol over public streams, and the ways an event is published."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from apps.core.streams import publish, publish_on_commit
from apps.core.tasks import relay_stream_event

send = sync_to_async(publish)


async def test_it_confirms_a_public_subscription_with_a_null_result(open_socket):
    socket = await open_socket()

    assert await socket.subscribe("ticker.BTC_USDT", request_id=1) == {"result": None, "id": 1}


async def test_it_forwards_a_published_event_as_stream_and_data(open_socket):
    socket = await open_socket()
    await socket.subscribe("ticker.BTC_USDT")

    await send("ticker.BTC_USDT", {"last": "64000.5", "volume": "12.5"})

    assert await socket.receive() == {"stream": "ticker.BTC_USDT", "data": {"last": "64000.5", "volume": "12.5"}}


async def test_it_stops_forwarding_a_stream_after_unsubscribe(open_socket):
    socket = await open_socket()
    await socket.subscribe("ticker.BTC_USDT", "ticker.ETH_USDT")

    assert await socket.unsubscribe("ticker.BTC_USDT", request_id=2) == {"result": None, "id": 2}
    await send("ticker.BTC_USDT", {"last": "1"})
    await send("ticker.ETH_USDT", {"last": "2"})

    # The ETH event was published after the BTC one: had BTC been forwarded, it would come first.
    assert await socket.receive() == {"stream": "ticker.ETH_USDT", "data": {"last": "2"}}
    assert await socket.communicator.receive_nothing(timeout=0.3)


async def test_it_serves_the_same_protocol_at_the_root_path(open_socket):
    socket = await open_socket(path="/")
    await socket.subscribe("trade.BTC_USDT")

    await send("trade.BTC_USDT", {"price": "1"})

    assert await socket.receive() == {"stream": "trade.BTC_USDT", "data": {"price": "1"}}


async def test_it_answers_invalid_json_with_an_error_and_stays_open(open_socket):
    socket = await open_socket()

    reply = await socket.send_text("{not json")

    assert reply["id"] is None
    assert reply["error"]["code"] == 400
    assert await socket.subscribe("depth.BTC_USDT", request_id=7) == {"result": None, "id": 7}


async def test_it_answers_an_unknown_method_with_an_error_carrying_the_request_id(open_socket):
    socket = await open_socket()

    reply = await socket.request("SUBSCRIBE_ALL", ["ticker.BTC_USDT"], request_id=3)

    assert reply["id"] == 3
    assert reply["error"]["code"] == 400
    assert "SUBSCRIBE_ALL" in reply["error"]["msg"]
    assert await socket.subscribe("ticker.BTC_USDT", request_id=4) == {"result": None, "id": 4}


@pytest.mark.parametrize("params", ["ticker.BTC_USDT", {"stream": "ticker.BTC_USDT"}, [42], None])
async def test_it_refuses_params_that_are_not_a_list_of_names(open_socket, params):
    socket = await open_socket()

    reply = await socket.request("SUBSCRIBE", params, request_id=5)

    assert reply == {"error": {"code": 400, "msg": "params must be a list of stream names."}, "id": 5}
    assert await socket.subscribe("ticker.BTC_USDT", request_id=6) == {"result": None, "id": 6}


@pytest.mark.parametrize(
    "stream",
    ["ticker", "ticker.", "ticker.BTC/USDT", "Ticker.BTC_USDT", "ticker.BTC_USDT.extra", "candles.BTC_USDT"],
)
async def test_it_refuses_a_malformed_or_unknown_stream_name(open_socket, stream):
    socket = await open_socket()

    reply = await socket.subscribe(stream, request_id=8)

    assert reply["id"] == 8
    assert reply["error"]["code"] == 400
    assert await socket.subscribe("ticker.BTC_USDT", request_id=9) == {"result": None, "id": 9}


async def test_it_never_lets_a_client_join_a_session_control_stream(open_socket):
    socket = await open_socket()

    reply = await socket.subscribe(f"session.{uuid.uuid4()}")

    assert reply["error"]["code"] == 400


async def test_it_subscribes_nothing_of_a_partly_refused_request(open_socket):
    socket = await open_socket()

    reply = await socket.subscribe("ticker.BTC_USDT", "ticker.BTC/USDT", request_id=10)
    await socket.subscribe("ticker.ETH_USDT", request_id=11)
    await send("ticker.BTC_USDT", {"last": "1"})
    await send("ticker.ETH_USDT", {"last": "2"})

    assert reply["error"]["code"] == 400
    assert await socket.receive() == {"stream": "ticker.ETH_USDT", "data": {"last": "2"}}


async def test_it_sends_decimals_uuids_and_times_as_strings(open_socket):
    socket = await open_socket()
    await socket.subscribe("trade.BTC_USDT")
    trade_id = uuid.uuid4()

    await send("trade.BTC_USDT", {"id": trade_id, "price": Decimal("64000.50"), "qty": Decimal("0.001")})

    event = await socket.receive()
    assert event["data"] == {"id": str(trade_id), "price": "64000.50", "qty": "0.001"}


def test_publish_refuses_a_malformed_stream_name():
    with pytest.raises(ValueError, match="not a stream name"):
        publish("ticker.BTC/USDT", {"last": "1"})


@pytest.mark.django_db(transaction=True)
async def test_publish_on_commit_sends_nothing_when_the_transaction_rolls_back(open_socket):
    socket = await open_socket()
    await socket.subscribe("ticker.BTC_USDT", "ticker.ETH_USDT")

    @sync_to_async
    def publish_then_roll_back() -> None:
        with transaction.atomic():
            publish_on_commit("ticker.BTC_USDT", {"last": "rolled back"})
            transaction.set_rollback(True)
        with transaction.atomic():
            publish_on_commit("ticker.ETH_USDT", {"last": "committed"})

    await publish_then_roll_back()

    assert await socket.receive() == {"stream": "ticker.ETH_USDT", "data": {"last": "committed"}}
    assert await socket.communicator.receive_nothing(timeout=0.3)


@pytest.mark.django_db(transaction=True)
async def test_publish_on_commit_sends_only_once_the_transaction_commits(open_socket):
    socket = await open_socket()
    await socket.subscribe("ticker.BTC_USDT", "ticker.ETH_USDT")

    @sync_to_async
    def publish_in_a_transaction() -> None:
        with transaction.atomic():
            publish_on_commit("ticker.BTC_USDT", {"last": "after commit"})
            publish("ticker.ETH_USDT", {"last": "right away"})

    await publish_in_a_transaction()

    assert await socket.receive() == {"stream": "ticker.ETH_USDT", "data": {"last": "right away"}}
    assert await socket.receive() == {"stream": "ticker.BTC_USDT", "data": {"last": "after commit"}}


async def test_a_celery_task_reaches_a_subscribed_client_through_redis(open_socket, celery_worker):
    socket = await open_socket()
    await socket.subscribe("depth.BTC_USDT")

    await sync_to_async(relay_stream_event.delay)("depth.BTC_USDT", {"bids": [["64000", "1.5"]], "asks": []})

    event = await socket.receive(timeout=20)
    assert event == {"stream": "depth.BTC_USDT", "data": {"bids": [["64000", "1.5"]], "asks": []}}
