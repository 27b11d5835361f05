"""Public streams (ticker, trade, depth) fanned out once per ws process, not once per socket.

With one channel-layer membership per socket, each event was handed to every subscribed socket's
own consumer: a channel-layer read, a thread hop (channels closes stale database connections
before every handler), a JSON encode and a send, per socket and event, which a 1,000-subscriber
stream could not sustain; and every SUBSCRIBE was a Redis write, so a burst of them exhausted the
layer's connection pool.

Here each process has one hub per channel layer and event loop. The hub joins a public stream's
group once, with a channel of its own, the first time a socket of this process subscribes, and
leaves it when the last one goes. One task reads that channel and hands each event, encoded once,
to the outbox of every socket of this process subscribed to its stream. The channel layer still
carries events between processes (a Celery worker or the market feed publishes, every ws process
gets one copy), and the hub keeps its resilience: its memberships are the layer's, written again
after a Redis restart, and its read waits through an outage like a consumer's. User streams
(order, balance) and control streams (revocation) keep a membership per socket.

The hub takes every event waiting in Redis at each read (`receive_many`), so events leave Redis
as fast as they are published even while the process is busy sending: the layer drops a message
nobody read within its `expiry` (30 s), which is how an overloaded process used to lose events
without a word. A backlog now waits in the outboxes, where it is bounded and seen (below). The
hub also joins its streams again every REFRESH_SECONDS, since channels-redis forgets a group
member `group_expiry` (a day) after it joined.

Each socket's frames wait in its own bounded outbox, sent in order by a task of the socket's, so
a socket whose sends do not keep up never holds up the others. daphne buffers what a client has
not read yet (and drops a client that stops answering its pings), so under daphne an outbox only
fills when the process cannot keep up at all; a socket whose outbox does fill is closed with
CLOSE_TOO_SLOW, never left open with a gap in its stream; one whose send fails is closed with
CLOSE_SERVER_ERROR, never left open and silent.

Which sockets watch which public streams is marked in the cache for the market feed (which only
publishes watched streams), once per process and stream rather than per socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from django.core.cache import cache

from apps.core.channel_layer import OUTAGE_ERRORS, describe
from apps.core.streams import group_for

logger = logging.getLogger(__name__)

# A socket whose outbox holds this many frames not yet sent is closed with CLOSE_TOO_SLOW.
OUTBOX_LIMIT = 1000
CLOSE_TOO_SLOW = 4008
CLOSE_SERVER_ERROR = 1011
# A public stream counts as watched this long after a socket subscribed to it or its hub was last
# sent one of its events, so publishers (the market feed) can skip streams nobody listens to.
WATCH_SECONDS = 60
READ_RETRY_SECONDS = 1.0
REFRESH_SECONDS = 3600


def watch_key(stream: str) -> str:
    return f"stream-watched:{stream}"


def watched_streams(streams: Iterable[str]) -> set[str]:
    """Those of `streams` some socket has subscribed to and not left for WATCH_SECONDS."""
    keys = {watch_key(stream): stream for stream in streams}
    return {keys[key] for key in cache.get_many(list(keys))}


class Outbox:
    """One socket's frames from its hub, sent in order by a task of their own.

    `send(stream, frame)` sends one frame. `stop(code)` is called once, in a task, when the socket
    must be closed with `code`: CLOSE_TOO_SLOW when it falls OUTBOX_LIMIT frames behind,
    CLOSE_SERVER_ERROR when a send fails. From then on the outbox takes and sends no more frames.
    """

    def __init__(
        self,
        send: Callable[[str, str], Awaitable[None]],
        stop: Callable[[int], Awaitable[None]],
        *,
        limit: int | None = None,
    ) -> None:
        self._send, self._stop = send, stop
        self._frames: asyncio.Queue[tuple[str, str]] = asyncio.Queue(OUTBOX_LIMIT if limit is None else limit)
        self._open = True
        self._sender = asyncio.get_running_loop().create_task(self._run())

    def put(self, item: tuple[str, str]) -> None:
        """Queue `(stream, frame)` for sending."""
        if not self._open:
            return
        try:
            self._frames.put_nowait(item)
        except asyncio.QueueFull:
            self._give_up(CLOSE_TOO_SLOW)

    @property
    def is_open(self) -> bool:
        return self._open

    def close(self) -> None:
        self._open = False
        self._sender.cancel()

    def _give_up(self, code: int) -> None:
        if self._open:
            self.close()
            _spawn(self._stop(code))

    async def _run(self) -> None:
        while True:
            stream, frame = await self._frames.get()
            try:
                await self._send(stream, frame)
            except Exception:
                # The frames after this one must not go out past a gap, and a socket left open
                # without them would look like a quiet market: close it, the client reconnects.
                logger.warning("stream hub: a socket's send failed; closing it", exc_info=True)
                self._give_up(CLOSE_SERVER_ERROR)
                return


class StreamHub:
    """Public streams of one process (one per channel layer and event loop; see `hub_for`)."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        # A layer that can hand over every waiting message at once is read through a plain channel
        # of the hub's own; any other (the bench's pub/sub layer) a message at a time.
        self._takes_many = callable(getattr(layer, "receive_many", None))
        self._channel: str | None = None
        self._subscribers: dict[str, dict[Outbox, None]] = {}  # stream -> outboxes, in subscribing order
        self._joined: set[str] = set()
        self._marked: dict[str, float] = {}  # stream -> when its watch mark was last written
        # Joins and leaves happen one at a time, so a leave never undoes a join made meanwhile.
        self._membership = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None  # reads while any stream is joined
        self._refreshed = time.monotonic()

    async def subscribe(self, stream: str, outbox: Outbox) -> None:
        """Deliver `stream`'s events to `outbox` from now on; once this returns, the stream is
        joined and marked as watched."""
        async with self._membership:
            if stream not in self._joined:
                if self._channel is None:
                    self._channel = f"hub.{uuid.uuid4().hex}" if self._takes_many else await self.layer.new_channel()
                await self.layer.group_add(group_for(stream), self._channel)
                self._joined.add(stream)
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.get_running_loop().create_task(self._read())
            if time.monotonic() - self._marked.get(stream, float("-inf")) > WATCH_SECONDS / 3:
                await self._mark(stream)
        if outbox.is_open:  # its socket may have ended while this waited
            self._subscribers.setdefault(stream, {})[outbox] = None

    async def unsubscribe(self, stream: str, outbox: Outbox) -> None:
        """Stop delivering `stream` to `outbox` at once; leave the stream's group if it was the last."""
        if self._forget(stream, outbox):
            await self._leave(stream)

    def drop(self, outbox: Outbox) -> None:
        """Stop delivering anything to `outbox` at once (its socket is gone); streams it was the last
        subscriber of are left in the background."""
        for stream in [stream for stream, subscribers in self._subscribers.items() if outbox in subscribers]:
            if self._forget(stream, outbox):
                _spawn(self._leave(stream))

    def _forget(self, stream: str, outbox: Outbox) -> bool:
        """Take `outbox` off `stream`; True when it was the stream's last subscriber here."""
        subscribers = self._subscribers.get(stream)
        if subscribers is None or outbox not in subscribers:
            return False
        del subscribers[outbox]
        if subscribers:
            return False
        del self._subscribers[stream]
        return True

    async def _leave(self, stream: str) -> None:
        async with self._membership:
            if stream in self._joined and stream not in self._subscribers:
                self._joined.discard(stream)
                await self.layer.group_discard(group_for(stream), self._channel)

    async def _read(self) -> None:
        # Never cancelled: a read cancelled after Redis handed it messages would lose them. It
        # stops by itself between reads once nothing is joined, within the layer's blocking-pop
        # timeout; a stream joined before that is read by this same task, so none is read twice.
        while self._joined:
            try:
                if self._takes_many:
                    messages = await self.layer.receive_many(self._channel)
                else:
                    messages = [await self.layer.receive(self._channel)]
            except Exception as exc:
                # The layer waits through Redis outages itself; anything else must not end the
                # fan-out of every socket of the process.
                logger.warning("stream hub could not read its channel (%s); reading on", describe(exc))
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            for message in messages:
                self._dispatch(message)
            if time.monotonic() - self._refreshed > REFRESH_SECONDS:
                await self._refresh()

    async def _refresh(self) -> None:
        self._refreshed = time.monotonic()
        async with self._membership:
            for stream in self._joined:
                await self.layer.group_add(group_for(stream), self._channel)

    def _dispatch(self, message: dict[str, Any]) -> None:
        stream = message.get("stream")
        subscribers = self._subscribers.get(stream)
        if message.get("type") != "stream.event" or not subscribers:
            return
        # Encoded once for every socket, as the consumer's send_json would, and queued as one
        # object: a backlog costs each outbox a reference per event, not a copy.
        item = (stream, json.dumps({"stream": stream, "data": message["data"]}))
        for outbox in list(subscribers):
            outbox.put(item)
        if time.monotonic() - self._marked.get(stream, float("-inf")) > WATCH_SECONDS / 3:
            _spawn(self._mark(stream))

    async def _mark(self, stream: str) -> None:
        self._marked[stream] = time.monotonic()
        try:
            await cache.aset(watch_key(stream), 1, timeout=WATCH_SECONDS)
        except OUTAGE_ERRORS as exc:
            # Losing the mark only means the feed may skip this stream until the next mark.
            logger.warning("could not mark %s as watched: %s", stream, describe(exc))


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, StreamHub]] = weakref.WeakKeyDictionary()
_background: set[asyncio.Task[Any]] = set()


def hub_for(layer: Any) -> StreamHub:
    """The hub of `layer` on the running event loop (a layer's connections belong to one loop)."""
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = hubs.get(layer)
    if hub is None:
        hub = hubs[layer] = StreamHub(layer)
    return hub


def _spawn(coroutine: Awaitable[Any]) -> None:
    # The loop keeps only weak references to tasks: hold these until they are done.
    task = asyncio.ensure_future(coroutine)
    _background.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        # One line, not asyncio's "exception was never retrieved" traceback at collection time.
        logger.warning("stream hub: a background step failed: %s", describe(task.exception()))
