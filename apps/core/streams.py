"""The one way to publish to WebSocket subscribers (seed 003's SUBSCRIBE protocol).

Services call `publish_on_commit`, so an event is only sent for state that was committed;
tasks that run outside a transaction may call `publish` directly. Both go through the
channel layer (Redis), so an event published in a worker reaches clients of any ws process.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

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


def session_control_stream(session_id: object) -> str:
    """An internal stream per auth session: an event on it closes that session's sockets."""
    return f"session.{session_id}"


def publish(stream: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(group_for(stream), {"type": "stream.event", "stream": stream, "data": data})


def publish_on_commit(stream: str, data: dict[str, Any]) -> None:
    """Publish once the current transaction commits; nothing is sent if it rolls back.
    A failure to publish is logged and never undoes the committed work."""
    transaction.on_commit(lambda: publish(stream, data), robust=True)
