"""The stream endpoint through real processes: daphne serving the socket, a Celery worker publishing."""

from __future__ import annotations

import json
import uuid

import pytest
from websockets.sync.client import connect

from apps.core.tasks import relay_stream_event
from tests.accounts.factories import UserFactory, sign_in
from tests.conftest import require_binary
from tests.core.servers import BIN, LOOPBACK, celery_worker, daphne, free_port

pytestmark = pytest.mark.server


@pytest.fixture
def ws_port(transactional_db, tmp_path):
    """Port of a daphne serving `config.asgi`, with a Celery worker beside it, both on the test database."""
    require_binary("daphne", str(BIN / "daphne"))
    require_binary("celery", str(BIN / "celery"))
    port = free_port()
    with daphne(tmp_path, port) as web, celery_worker(tmp_path, f"streams-{uuid.uuid4().hex[:8]}@{LOOPBACK}") as worker:
        web.wait_ready(timeout=30)
        worker.wait_ready(timeout=60)
        yield port


def test_a_workers_event_reaches_the_traders_socket_on_a_running_server(ws_port):
    trader, other = UserFactory(), UserFactory()
    token = sign_in(trader).access_token
    orders = f"order.{trader.id}"

    with connect(f"ws://{LOOPBACK}:{ws_port}/ws?access_token={token}", open_timeout=10, proxy=None) as socket:
        socket.send(json.dumps({"method": "SUBSCRIBE", "params": [orders], "id": 1}))
        assert json.loads(socket.recv(timeout=10)) == {"result": None, "id": 1}
        socket.send(json.dumps({"method": "SUBSCRIBE", "params": [f"order.{other.id}"], "id": 2}))
        refused = json.loads(socket.recv(timeout=10))
        assert refused["id"] == 2
        assert refused["error"]["code"] == 403

        relay_stream_event.delay(orders, {"orderId": "42", "status": "FILLED", "price": "64000.5"})

        event = json.loads(socket.recv(timeout=20))
        assert event == {"stream": orders, "data": {"orderId": "42", "status": "FILLED", "price": "64000.5"}}
