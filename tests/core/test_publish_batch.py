"""`publish_batch`: the events a block commits go out in one send, in order, after the commit."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core import streams
from apps.core.streams import publish_batch, publish_on_commit


class Layer:
    """A channel layer that records what it is sent, each call to the layer apart."""

    def __init__(self, *, fail_from: int | None = None) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.fail_from = fail_from

    async def group_send(self, group: str, message: dict) -> None:
        if self.fail_from is not None and len(self.sent) >= self.fail_from:
            raise RedisConnectionError("Connection refused.")
        self.sent.append((message["stream"], message["data"]))


@pytest.fixture
def sends(monkeypatch):
    """Every call to the channel layer (a send), as the list of events it carried."""
    calls: list[list[tuple[str, dict]]] = []
    real = streams._send

    def send(events):
        calls.append([(event["stream"], event["data"]) for event in events])
        return real(events)

    monkeypatch.setattr(streams, "_send", send)
    monkeypatch.setattr(streams, "get_channel_layer", Layer)
    return calls


@pytest.mark.django_db
def test_the_events_of_a_batch_go_out_in_one_send_in_the_order_published(sends, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with publish_batch():
            with transaction.atomic():
                publish_on_commit("order.u1", {"n": 1})
                publish_on_commit("balance.u1", {"n": 2})
            with transaction.atomic():
                publish_on_commit("order.u1", {"n": 3})
        assert sends == [], "nothing goes out before the commit"

    assert sends == [[("order.u1", {"n": 1}), ("balance.u1", {"n": 2}), ("order.u1", {"n": 3})]]


@pytest.mark.django_db
def test_an_event_of_a_savepoint_rolled_back_is_left_out_of_the_batch(sends, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), publish_batch():
        publish_on_commit("order.u1", {"n": 1})
        with transaction.atomic():
            publish_on_commit("order.u1", {"n": 2})
            transaction.set_rollback(True)
        with publish_batch():  # a batch inside another joins it
            publish_on_commit("order.u1", {"n": 3})

    assert sends == [[("order.u1", {"n": 1}), ("order.u1", {"n": 3})]]


def commit_one_roll_one_back_then_fail() -> None:
    with publish_batch():
        with transaction.atomic():
            publish_on_commit("order.u1", {"n": 1})
        with transaction.atomic():
            publish_on_commit("order.u1", {"n": 2})
            transaction.set_rollback(True)
        raise ValueError("refused")


@pytest.mark.django_db(transaction=True)
def test_committed_events_go_out_even_when_the_block_ends_with_an_error(sends):
    with pytest.raises(ValueError, match="refused"):
        commit_one_roll_one_back_then_fail()

    assert sends == [[("order.u1", {"n": 1})]]


def test_an_outage_drops_the_rest_of_a_batch_with_one_warning(monkeypatch, caplog):
    layer = Layer(fail_from=1)
    monkeypatch.setattr(streams, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(streams, "_outage", streams._Outage())
    events = [streams._event("order.u1", {"n": n}) for n in range(3)]

    with caplog.at_level(logging.WARNING, logger="apps.core.streams"):
        assert streams._send(events) is False

    assert layer.sent == [("order.u1", {"n": 0})]
    assert streams._outage.dropped == 2
    assert [r.getMessage() for r in caplog.records if r.name == "apps.core.streams"] == [
        "Stream events are dropped: the channel layer is unavailable (ConnectionError: Connection refused.); "
        "first lost on order.u1."
    ]


def test_only_the_streams_someone_watches_are_sent_to(monkeypatch):
    channel_layers.backends.clear()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(streams.group_for("order.watched"), channel)
    sent_to = []
    real = layer.group_send

    async def group_send(group, message):
        sent_to.append(group)
        await real(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    try:
        events = [streams._event("order.nobody", {"n": 1}), streams._event("order.watched", {"n": 2})]
        assert streams._send(events) is True

        assert sent_to == ["stream.order.watched"]
        received = async_to_sync(layer.receive)(channel)
        assert (received["stream"], received["data"]) == ("order.watched", {"n": 2})
    finally:
        async_to_sync(layer.group_discard)(streams.group_for("order.watched"), channel)
        channel_layers.backends.clear()
