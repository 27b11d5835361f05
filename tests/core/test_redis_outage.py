"""The fault test of issue 9: Redis stops and comes back while HTTP and WebSocket clients are busy.

Real processes on loopback, pointed at the test database and at a redis-server of this test's
own (never the shared one): gunicorn serving REST as the Procfile runs it, daphne serving the
sockets. Fifty sockets are subscribed to a trader's order stream; four HTTP clients loop on a
public read (/health), a throttled Redis write (the SIWE nonce), an authenticated read and a
write that publishes (a paper order, each with its own idempotency key). Redis is killed, left
down for a few seconds and started again, empty, on the same port.

While it is down every answer is a 2xx or a 503 in the family's envelope: no 500, no reset.
Once it is back every client gets 2xx again within a bound, every socket is still open and
receives the event of an order placed after the restart, and nothing is lost or doubled: every
order answered 2xx exists once, and an order answered 503 is placed exactly once by its retry.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from apps.exchanges.paper.engine import set_price
from apps.trades.models import Order
from tests.accounts.factories import UserFactory, sign_in
from tests.conftest import require_binary
from tests.core.servers import BIN, LOOPBACK, daphne, free_port, gunicorn, redis_server
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.server

SOCKETS = 50
OUTAGE_SECONDS = 4
RECOVERY_BOUND = 30  # seconds after Redis answers again by which every client is served


@dataclass
class Answer:
    phase: str
    at: float
    status: int | None  # None: no HTTP answer at all (reset, refused, timed out)
    body: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class HttpClientLoop:
    """One client asking the same thing again and again, remembering every answer and its phase."""

    name: str
    family: str
    ask: Callable[[httpx.Client, int], httpx.Response]
    answers: list[Answer] = field(default_factory=list)

    def run(self, base: str, phase: Callable[[], str], stop: threading.Event) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            n = 0
            while not stop.is_set():
                n += 1
                current = phase()
                try:
                    response = self.ask(client, n)
                except httpx.HTTPError as exc:
                    self.answers.append(Answer(current, time.monotonic(), None, error=repr(exc)))
                else:
                    try:
                        body = response.json()
                    except ValueError:
                        body = response.text[:300]
                    self.answers.append(Answer(current, time.monotonic(), response.status_code, body))
                stop.wait(0.05)

    def unavailable(self, answer: Answer) -> bool:
        """A 503 in this client's family envelope, naming what is unavailable."""
        body = answer.body
        if answer.status != 503 or not isinstance(body, dict):
            return False
        if self.family == "app":  # seed 004: {"error": "...", "code": "503"}
            return isinstance(body.get("error"), str) and body.get("code") == "503"
        error = body.get("error")  # seed 003: {"error": {"code", "message"}}
        return isinstance(error, dict) and bool(error.get("code")) and bool(error.get("message"))


class SocketFleet:
    """`count` sockets on one asyncio loop in a thread, each subscribed to `streams`, keeping
    every event it receives and how it closed."""

    def __init__(self, url: str, streams: list[str], count: int) -> None:
        self.url, self.streams, self.count = url, streams, count
        self.events: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        self.closed: dict[int, str] = {}
        self.subscribed = threading.Event()
        self.failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SocketFleet:
        self._thread.start()
        if not self.subscribed.wait(timeout=120):
            raise AssertionError(f"the sockets did not all subscribe: {self.failure!r}")
        if self.failure is not None:
            raise AssertionError(f"the sockets did not all subscribe: {self.failure!r}")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            sockets = [await self._open() for _ in range(self.count)]
        except BaseException as exc:
            self.failure = exc
            self.subscribed.set()
            return
        self.subscribed.set()
        readers = [asyncio.create_task(self._read(i, socket)) for i, socket in enumerate(sockets)]
        await self._stop.wait()
        for socket in sockets:
            await socket.close()
        await asyncio.gather(*readers, return_exceptions=True)

    async def _open(self) -> websockets.ClientConnection:
        socket = await connect(self.url, open_timeout=30, proxy=None, max_queue=None)
        await socket.send(json.dumps({"method": "SUBSCRIBE", "params": self.streams, "id": 1}))
        reply = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
        assert reply == {"result": None, "id": 1}, reply
        return socket

    async def _read(self, index: int, socket: websockets.ClientConnection) -> None:
        try:
            async for message in socket:
                self.events[index].append(json.loads(message))
        finally:
            if not self._stop.is_set():
                self.closed[index] = f"{socket.close_code} {socket.close_reason}"

    def wait_for(self, stream: str, matches: Callable[[dict[str, Any]], bool], *, within: float = 20) -> int:
        """How many sockets got an event on `stream` that `matches`, once all have or time is up."""
        deadline = time.monotonic() + within
        while True:
            got = sum(
                1 for events in self.events if any(e["stream"] == stream and matches(e["data"]) for e in list(events))
            )
            if got == self.count or time.monotonic() > deadline:
                return got
            time.sleep(0.2)


@pytest.fixture
def platform(transactional_db, tmp_path):
    """(http base, ws url, the Redis process, the servers) of a platform on a Redis of its own."""
    binary = require_binary("redis-server")
    require_binary("daphne", str(BIN / "daphne"))
    require_binary("gunicorn", str(BIN / "gunicorn"))
    port = free_port()
    env = {"REDIS_URL": f"redis://{LOOPBACK}:{port}/0", "THROTTLE_NONCE": "100000/min"}
    http_port, ws_port = free_port(), free_port()
    with (
        redis_server(tmp_path, port, binary=binary) as redis,
        gunicorn(tmp_path, http_port, env=env) as web,
        daphne(tmp_path, ws_port, env=env) as ws,
    ):
        redis.wait_ready(timeout=10)
        web.wait_ready(timeout=90)
        ws.wait_ready(timeout=90)
        yield f"http://{LOOPBACK}:{http_port}", f"ws://{LOOPBACK}:{ws_port}/ws", redis, (web, ws)


def order_body(key: str) -> dict[str, Any]:
    # A limit buy far below the market: it rests, costs the paper balance little, and publishes.
    return {
        "market": "ETH_USDC",
        "side": "BUY",
        "orderType": "LIMIT",
        "quantity": 0.001,
        "price": 1000,
        "idempotencyKey": key,
    }


def test_redis_stops_and_comes_back_under_http_and_websocket_clients(platform):
    base, ws_url, redis, servers = platform
    trader = UserFactory()
    FundedPaperAccountFactory(user=trader)
    set_price(symbol="ETH_USDC", price=Decimal("2900"))
    token = sign_in(trader).access_token
    auth = {"Authorization": f"Bearer {token}"}
    orders_stream = f"order.{trader.id}"
    run = uuid.uuid4().hex[:8]
    loops = [
        HttpClientLoop("health", "desk", lambda c, n: c.get("/health")),
        HttpClientLoop("nonce", "desk", lambda c, n: c.get("/api/v1/auth/nonce")),
        HttpClientLoop("me", "desk", lambda c, n: c.get("/api/v1/auth/me", headers=auth)),
        HttpClientLoop("order", "app", lambda c, n: c.post("/api/orders", json=order_body(f"{run}-{n}"), headers=auth)),
    ]
    phase = {"now": "before"}
    stop = threading.Event()
    threads = [threading.Thread(target=loop.run, args=(base, lambda: phase["now"], stop)) for loop in loops]

    with SocketFleet(f"{ws_url}?access_token={token}", [orders_stream, "ticker.BTC_USDT"], SOCKETS) as fleet:
        try:
            for thread in threads:
                thread.start()
            time.sleep(3)
            phase["now"] = "outage"
            killed_at = time.monotonic()
            redis.kill()
            time.sleep(OUTAGE_SECONDS)
            phase["now"] = "after"
            restarted_at = time.monotonic()
            redis.__enter__()  # the same port, empty: no persistence
            redis.wait_ready(timeout=10)
            served = every_client_served_since(loops, restarted_at)
            time.sleep(2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        # A write after the restart publishes: every socket is still open and gets its event.
        with httpx.Client(base_url=base, timeout=30, headers=auth) as client:
            after = client.post("/api/orders", json=order_body(f"{run}-after"))
            assert after.status_code == 201, after.text
            marker = after.json()["order"]["orderId"]
            received = fleet.wait_for(orders_stream, lambda data: data.get("order_id") == marker)
            retried = retry_refused_orders(client, loops[3], run)

    report = outage_report(loops)
    assert served, f"not every client was served again within {RECOVERY_BOUND}s of the restart:\n{report}"
    for loop in loops:
        # Answered before the kill: a request sent just before it may meet the outage mid-way.
        before = [a for a in loop.answers if a.phase == "before" and a.at < killed_at]
        assert before and all(a.ok for a in before), f"{loop.name} failed before the outage:\n{report}"
        bad = [a for a in loop.answers if not (a.ok or loop.unavailable(a))]
        assert not bad, f"{loop.name} answered other than 2xx or a 503 envelope:\n{report}"
    assert fleet.closed == {}, f"sockets closed: {fleet.closed}"
    assert received == SOCKETS, f"{received} of {SOCKETS} sockets got the event of an order placed after the restart"
    # Nothing lost, nothing doubled: exactly the orders answered 2xx (or placed by a retry) exist.
    accepted = {a.body["order"]["orderId"] for a in loops[3].answers if a.ok} | retried | {marker}
    assert {str(pk) for pk in Order.objects.filter(user=trader).values_list("id", flat=True)} == accepted
    logs = "".join(server.output(last=500_000) for server in servers)
    assert "Traceback" not in logs, logs[-6000:]


def every_client_served_since(loops: list[HttpClientLoop], since: float) -> bool:
    deadline = since + RECOVERY_BOUND
    while time.monotonic() < deadline:
        if all(any(a.at > since and a.ok for a in loop.answers) for loop in loops):
            return True
        time.sleep(0.2)
    return False


def retry_refused_orders(client: httpx.Client, loop: HttpClientLoop, run: str) -> set[str]:
    """Each order answered 503 sent again with its key: a 201 (new) proves the 503 left nothing
    behind; a 200 would be a replay of an order the refused request had placed after all."""
    placed = set()
    for n, answer in enumerate(loop.answers, start=1):
        if answer.status == 503:
            retry = client.post("/api/orders", json=order_body(f"{run}-{n}"))
            assert retry.status_code == 201, f"order {n}: answered 503, then the retry gave {retry.status_code}"
            placed.add(retry.json()["order"]["orderId"])
    return placed


def outage_report(loops: list[HttpClientLoop]) -> str:
    lines = []
    for loop in loops:
        counts: dict[str, dict[str, int]] = {}
        for a in loop.answers:
            label = str(a.status) if a.status is not None else a.error[:60]
            counts.setdefault(a.phase, {}).setdefault(label, 0)
            counts[a.phase][label] += 1
        odd = [(a.phase, a.status, a.body or a.error) for a in loop.answers if not a.ok and a.status != 503][:2]
        lines.append(f"{loop.name}: {counts} {odd}")
    return "\n".join(lines)
