"""A few hundred sockets on a real daphne: every socket gets every event of its streams, in order,
and the ws log stays clean (no exhausted connection pool, no read timeout, no traceback).

The sockets sign in and subscribe all at once, a burst of connection-pool users: each joins its
session's and user's control streams and the trader's order stream (a membership per socket),
and the public ticker (one membership for the process, fanned out by its hub). Timing is the
ws_fanout bench's business (tests/bench); this test keeps the no-loss part true.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from websockets.asyncio.client import connect

from apps.core.streams import publish
from tests.accounts.factories import UserFactory, sign_in
from tests.conftest import require_binary
from tests.core.servers import BIN, LOOPBACK, daphne, free_port

pytestmark = pytest.mark.server

SOCKETS = 300
TICKERS = 40
ORDERS = 10
TICKER = "ticker.BTC_USDT"
LOG_ERRORS = re.compile(
    r"Traceback|\bERROR\b|CRITICAL|MaxConnectionsError|Too many connections|Timeout reading|cannot reach Redis|killed"
)


@pytest.fixture
def ws_server(transactional_db, tmp_path):
    require_binary("daphne", str(BIN / "daphne"))
    port = free_port()
    with daphne(tmp_path, port) as server:
        server.wait_ready(timeout=60)
        yield f"ws://{LOOPBACK}:{port}/ws", server


async def subscribed(url: str, streams: list[str]) -> Any:
    socket = await connect(url, open_timeout=30, proxy=None, max_queue=None)
    await socket.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": 1}))
    assert json.loads(await asyncio.wait_for(socket.recv(), timeout=30)) == {"result": None, "id": 1}
    return socket


async def read(socket: Any, count: int) -> list[dict[str, Any]]:
    """The next `count` events, or as many as come before the stream goes quiet for 15 s."""
    events: list[dict[str, Any]] = []
    try:
        while len(events) < count:
            events.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=15)))
    except TimeoutError:
        pass
    return events


def publish_all(orders: str) -> None:
    for n in range(TICKERS):
        assert publish(TICKER, {"seq": n, "last": "64000.5"})
        if n % (TICKERS // ORDERS) == 0:
            assert publish(orders, {"seq": n // (TICKERS // ORDERS), "status": "FILLED"})


async def fan_out(url: str, orders: str) -> list[list[dict[str, Any]]]:
    sockets = await asyncio.gather(*(subscribed(url, [TICKER, orders]) for _ in range(SOCKETS)))
    try:
        readers = [asyncio.create_task(read(socket, TICKERS + ORDERS)) for socket in sockets]
        await asyncio.to_thread(publish_all, orders)
        return await asyncio.gather(*readers)
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


def test_every_socket_gets_every_event_in_order_and_the_ws_log_stays_clean(ws_server):
    url, server = ws_server
    trader = UserFactory()
    orders = f"order.{trader.id}"

    received = asyncio.run(fan_out(f"{url}?access_token={sign_in(trader).access_token}", orders))

    for events in received:
        assert [e["data"]["seq"] for e in events if e["stream"] == TICKER] == list(range(TICKERS))
        assert [e["data"]["seq"] for e in events if e["stream"] == orders] == list(range(ORDERS))
    errors = [line for line in server.output(last=2_000_000).splitlines() if LOG_ERRORS.search(line)]
    assert not errors, "\n".join(errors[:20])
