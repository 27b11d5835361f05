"""The one way to publish to WebSocket subscribers (seed 003's SUBSCRIBE protocol).

Services call `publish_on_commit`, so an event is only sent for state that was committed;
tasks that run outside a transaction may call `publish` directly. Both go through the
channel layer (Redis), so an event published in a worker reaches clients of any ws process.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
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

    def failed(self, stream: str, exc: BaseException) -> None:
        with self.lock:
            self.dropped += 1
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


def _send(event: dict[str, Any]) -> bool:
    try:
        async_to_sync(get_channel_layer().group_send)(group_for(event["stream"]), event)
    except OUTAGE_ERRORS as exc:
        _outage.failed(event["stream"], exc)
        return False
    _outage.sent()
    return True


def publish(stream: str, data: dict[str, Any]) -> bool:
    """Send `{"stream": stream, "data": data}` to the stream's subscribers now, from sync code.

    Raises ValueError for a malformed stream name, TypeError for data JSON cannot carry. While
    the channel layer's Redis is unreachable the event is dropped and False returned, never
    raised: the state it announces is committed, and a subscriber re-reads it over REST.
    """
    return _send(_event(stream, data))


def publish_on_commit(stream: str, data: dict[str, Any]) -> None:
    """Publish once the current transaction commits; nothing is sent if it rolls back.

    The event is built (and a bad stream name or payload refused) here, at the call; the data is
    captured as it is now. A failure to send is logged and never undoes the committed work.
    """
    event = _event(stream, data)
    transaction.on_commit(lambda: _send(event), robust=True)
