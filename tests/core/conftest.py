from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from celery.contrib.testing.worker import start_worker
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections

from config.asgi import application
from config.celery import app as celery_app
from tests.accounts.factories import UserFactory, sign_in


class Socket:
    """A client of `config.asgi.application` speaking seed 003's protocol, in memory."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    async def request(self, method: str, params: Any, request_id: Any = 1) -> dict[str, Any]:
        await self.communicator.send_json_to({"method": method, "params": params, "id": request_id})
        return await self.receive()

    async def subscribe(self, *streams: str, request_id: Any = 1) -> dict[str, Any]:
        return await self.request("SUBSCRIBE", list(streams), request_id)

    async def unsubscribe(self, *streams: str, request_id: Any = 1) -> dict[str, Any]:
        return await self.request("UNSUBSCRIBE", list(streams), request_id)

    async def send_text(self, text: str) -> dict[str, Any]:
        await self.communicator.send_to(text_data=text)
        return await self.receive()

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def close_code(self, timeout: float = 5) -> int:
        message = await self.communicator.receive_output(timeout=timeout)
        assert message["type"] == "websocket.close", message
        return message.get("code", 1000)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """The layer keeps locks bound to the event loop it first read on, and each test has its own."""
    channel_layers.backends.clear()


@pytest.fixture
async def open_socket(django_db_blocker):
    """Opens sockets on `/ws` (or `path`), with a token in the URL or cookies and an Origin."""
    opened: list[WebsocketCommunicator] = []

    async def open_(
        *, token: str | None = None, cookie: str | None = None, origin: str | None = None, path: str = "/ws"
    ) -> Socket:
        headers = []
        if cookie is not None:
            headers.append((b"cookie", cookie.encode("latin-1")))
        if origin is not None:
            headers.append((b"origin", origin.encode("latin-1")))
        if token is not None:
            path = f"{path}?{urlencode({'access_token': token})}"
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, _ = await communicator.connect(timeout=5)
        assert connected, "the handshake was refused"
        return Socket(communicator)

    yield open_
    # The consumer closes stale connections as it ends, which may be after the test's database
    # fixture has been torn down; and a connection left open in asgiref's thread would keep
    # PostgreSQL from dropping the test database. A consumer whose channel-layer read swallowed
    # its cancellation (redis/redis-py#2028, now and then) is cancelled again after the timeout.
    with django_db_blocker.unblock():
        for communicator in opened:
            await communicator.disconnect(timeout=1)
        await sync_to_async(connections.close_all)()


# Sockets run their middleware in another thread, so the rows they read must be committed.
@pytest.fixture
def trader(transactional_db):
    return UserFactory()


@pytest.fixture
def other_trader(transactional_db):
    return UserFactory()


@pytest.fixture
def trader_tokens(trader):
    return sign_in(trader)


@pytest.fixture
def celery_worker():
    """A Celery worker on a thread of this process, consuming from the real Redis broker."""
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
