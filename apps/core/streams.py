"""The one way to publish to WebSocket subscribers (seed 003's SUBSCRIBE protocol).

Services call `publish_on_commit`, so an event is only sent for state that was committed;
tasks that run outside a transaction may call `publish` directly. Both go through the
channel layer (Redis), so an event published in a worker reaches clients of any ws process.
A service that commits several events at once wraps its work in `publish_batch()`: they are
then sent together, in one call to the channel layer, rather than one call each.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from apps.core.channel_layer import OUTAGE_ERRORS, describe

logger = logging.getLogger(__name__)

PUBLIC_KINDS = frozenset({"depth", "trade", "ticker"})
USER_KINDS = frozenset({"order", "balance"})
_STREAM = re.compile(r"^(?P<kind>[a-z]+)\.(?P<key>[A-Za-z0-9_\-]{1,64})$")


def parse_stream(stream: str) -> tuple[str, str] | None:
    """(kind, key) of a well-formed stream name such as `ticker.BTC_USDT`, else None."""
    match = _STREAM.match(stream) if isinstance(stream, str) else None
    return (match["kind"], match["key"]) if match else None


def group_for(stream: str) -> str:
    return f"stream.{stream}"


def control_stream(subject: str, ident: object) -> str:
    """An internal stream no client may subscribe to (`session.<id>`, `user.<id>`, ...): a socket
    whose scope lists it in `control_streams` is closed when an event is published on it."""
    return f"{subject}.{ident}"


def _event(stream: str, data: dict[str, Any]) -> dict[str, Any]:
    if parse_stream(stream) is None:
        raise ValueError(f"{stream!r} is not a stream name such as ticker.BTC_USDT or order.<user_id>.")
    # The channel layer speaks msgpack, which knows no Decimal, UUID or datetime: send them as
    # JSON strings, as the REST API renders them, so a price reads the same on both.
    return {"type": "stream.event", "stream": stream, "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder))}


class _Outage:
    """Whether this process's last publish failed, so an outage logs one line as it starts and
    one as it ends, not one per event (the market feed publishes several a second)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None
        self.dropped = 0

    def failed(self, stream: str, exc: BaseException, *, lost: int = 1) -> None:
        with self.lock:
            self.dropped += lost
            if self.since is not None:
                return
            self.since = time.monotonic()
        logger.warning(
            "Stream events are dropped: the channel layer is unavailable (%s); first lost on %s.",
            describe(exc),
            stream,
        )

    def sent(self) -> None:
        if self.since is None:
            return
        with self.lock:
            since, dropped, self.since, self.dropped = self.since, self.dropped, None, 0
        if since is not None:
            logger.warning(
                "Stream events flow again after %.1fs; %d events were dropped meanwhile.",
                time.monotonic() - since,
                dropped,
            )


_outage = _Outage()
_T = TypeVar("_T")
# A send that waits this long has met an outage the layer's own timeouts did not end.
SEND_TIMEOUT_SECONDS = 30.0


class _Publisher:
    """One event loop per process, on a thread of its own, that every send of the process runs
    on. channels-redis keeps a connection pool per event loop: `async_to_sync` made a new loop,
    so a new Redis connection, per call (4.6 ms for a trade's two events, against 0.3 ms over
    the kept connection). Started on first use, again in a forked child (a Celery or gunicorn
    worker), which does not inherit its parent's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pid = 0

    def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop()).result(SEND_TIMEOUT_SECONDS)

    def _loop(self) -> asyncio.AbstractEventLoop:
        with self.lock:
            if self.loop is None or self.pid != os.getpid():
                self.loop, self.pid = asyncio.new_event_loop(), os.getpid()
                threading.Thread(target=self.loop.run_forever, name="stream-publisher", daemon=True).start()
            return self.loop


_publisher = _Publisher()
# The events of the open `publish_batch` of this thread, if any (None outside one).
_batch = threading.local()


def _send(events: list[dict[str, Any]]) -> bool:
    """Send the events in order, in one call to the channel layer; True when all went out. Once
    one meets an outage the rest are dropped too, counted with it."""

    async def send_all() -> tuple[int, BaseException | None]:
        layer = get_channel_layer()
        groups = [group_for(event["stream"]) for event in events]
        # A group nobody is subscribed to is skipped: channels-redis asks each group apart, two
        # round trips an event, most of a request's publish when nobody watches its streams.
        watched = getattr(layer, "groups_with_members", None)
        try:
            live = await watched(groups) if watched is not None else set(groups)
        except OUTAGE_ERRORS as exc:
            return 0, exc
        for index, (group, event) in enumerate(zip(groups, events, strict=True)):
            if group not in live:
                continue
            try:
                await layer.group_send(group, event)
            except OUTAGE_ERRORS as exc:
                return index, exc
        return len(events), None

    if not events:
        return True
    try:
        sent, failure = _publisher.run(send_all())
    except OUTAGE_ERRORS as exc:  # the layer failed before any send (a timeout is an OSError)
        sent, failure = 0, exc
    if failure is not None:
        _outage.failed(events[sent]["stream"], failure, lost=len(events) - sent)
        return False
    _outage.sent()
    return True


def publish(stream: str, data: dict[str, Any]) -> bool:
    """Send `{"stream": stream, "data": data}` to the stream's subscribers now, from sync code.

    Raises ValueError for a malformed stream name, TypeError for data JSON cannot carry. While
    the channel layer's Redis is unreachable the event is dropped and False returned, never
    raised: the state it announces is committed, and a subscriber re-reads it over REST.
    """
    return _send([_event(stream, data)])


def publish_on_commit(stream: str, data: dict[str, Any]) -> None:
    """Publish once the current transaction commits; nothing is sent if it rolls back.

    The event is built (and a bad stream name or payload refused) here, at the call; the data is
    captured as it is now. A failure to send is logged and never undoes the committed work.
    Inside `publish_batch()` the event waits for the batch's one send.
    """
    event = _event(stream, data)
    batch = getattr(_batch, "events", None)
    if batch is not None:
        # Added by its own commit hook, so an event of a savepoint rolled back is never in it.
        transaction.on_commit(lambda: batch.append(event), robust=True)
    else:
        transaction.on_commit(lambda: _send([event]), robust=True)


@contextmanager
def publish_batch() -> Iterator[None]:
    """Send the events published on commit within the block together, in one call to the channel
    layer, once the block is over and its transactions have committed (an enclosing transaction
    too: the send is then hooked on its commit), rather than one call each.

    Every other rule of `publish_on_commit` holds: only committed events are sent, in the order
    they were published, a send failure is logged and never raised. The events of transactions
    that committed are sent even when the block ends with an exception. A batch opened inside
    another joins it.
    """
    if getattr(_batch, "events", None) is not None:
        yield
        return
    events: list[dict[str, Any]] = []
    _batch.events = events
    try:
        yield
    finally:
        _batch.events = None
        # Hooked after every event of the block, so it runs once they are all in (at once when
        # no transaction is open, a failure logged there too).
        transaction.on_commit(lambda: _send(events), robust=True)
