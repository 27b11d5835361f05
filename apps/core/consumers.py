"""The WebSocket endpoint of seed 003: SUBSCRIBE / UNSUBSCRIBE, then `{"stream","data"}` events.

It authenticates nothing itself. An ASGI middleware above it (accounts' TokenAuthMiddleware,
composed in config/asgi.py) puts into the scope:
- `user`: who is connected;
- `control_streams`: internal streams on which an event means "this credential is dead";
- `credential_is_live`: an async callable to check the credential again once those are joined.
The consumer decides who may join which stream, joins, forwards, and closes the socket (4001)
when its credential is revoked. Public streams (ticker, trade, depth) are joined through the
process's stream hub (apps/core/fanout.py), which fans each event out to this process's sockets;
user and control streams through a channel-layer group of the socket's own.

A Redis outage does not close sockets: the channel layer (apps/core/channel_layer.py) keeps them
open and rejoins their streams once Redis answers; events published meanwhile are lost.

Close codes a client sees: 4001 when its session or token is revoked (sign in again, do not
retry with the same credential); 4008 when the socket fell too far behind its public streams
(reconnect and SUBSCRIBE again: nothing was skipped before the close); 1011 for an unexpected
server error (a public-stream frame that could not be sent included), or a dropped connection
(1006) when a server process goes away: reconnect with back-off and SUBSCRIBE again.
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core.fanout import CLOSE_TOO_SLOW, Outbox, hub_for
from apps.core.streams import PUBLIC_KINDS, USER_KINDS, group_for, parse_stream

MAX_SUBSCRIPTIONS = 200
CLOSE_SESSION_REVOKED = 4001


def refusal(stream: Any, user: Any) -> tuple[int, str] | None:
    """Why this connection may not subscribe to `stream`, or None when it may."""
    parsed = parse_stream(stream)
    if parsed is None:
        return 400, f"Unknown stream {stream!r}; expected depth|trade|ticker.<symbol> or order|balance.<user_id>."
    kind, key = parsed
    if kind in PUBLIC_KINDS:
        return None
    if kind not in USER_KINDS:
        return 400, f"Unknown stream kind {kind!r}."
    if user is None or not user.is_authenticated:
        return 401, f"Sign in to subscribe to {stream}."
    if not user.is_active:
        return 403, "Your account is not active."
    if str(user.id) != key:
        return 403, f"{stream} belongs to another user."
    return None


def is_public(stream: str) -> bool:
    parsed = parse_stream(stream)
    return parsed is not None and parsed[0] in PUBLIC_KINDS


class StreamConsumer(AsyncJsonWebsocketConsumer):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.outbox: Outbox | None = None
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the consumer ended (disconnect, an error, cancellation), the hub forgets it.
            if self.outbox is not None:
                self.outbox.close()
                self.hub.drop(self.outbox)

    async def connect(self) -> None:
        self.streams: set[str] = set()
        self.control_groups: set[str] = set()
        self.hub = hub_for(self.channel_layer)
        await self.accept()
        for stream in self.scope.get("control_streams", ()):
            self.control_groups.add(group_for(stream))
            await self.channel_layer.group_add(group_for(stream), self.channel_name)
        # A revocation published after the middleware looked the credential up, but before the
        # groups were joined, reached nobody: look once more now that none can be missed.
        credential_is_live = self.scope.get("credential_is_live")
        if credential_is_live is not None and not await credential_is_live():
            await self.close(code=CLOSE_SESSION_REVOKED)

    async def disconnect(self, code: int) -> None:
        for stream in self.streams:
            await self._leave(stream)
        for group in self.control_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        try:
            content = json.loads(text_data or (bytes_data or b"").decode())
        except (json.JSONDecodeError, UnicodeDecodeError):
            await self._error(None, 400, "Messages must be JSON.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error(None, 400, 'Send {"method": ..., "params": [...], "id": n}.')
            return
        request_id = content.get("id")
        method, params = content.get("method"), content.get("params", [])
        if method == "LIST_SUBSCRIPTIONS":
            await self.send_json({"result": sorted(self.streams), "id": request_id})
            return
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE"):
            await self._error(request_id, 400, f"Unknown method {method!r}; use SUBSCRIBE or UNSUBSCRIBE.")
            return
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            await self._error(request_id, 400, "params must be a list of stream names.")
            return
        if method == "UNSUBSCRIBE":
            for stream in params:
                if stream in self.streams:
                    self.streams.discard(stream)
                    await self._leave(stream)
            await self.send_json({"result": None, "id": request_id})
            return
        user = self.scope.get("user")
        for stream in params:
            refused = refusal(stream, user)
            if refused:
                # Nothing of a partly refused request is subscribed: the reply names the stream.
                await self._error(request_id, *refused)
                return
        if len(self.streams | set(params)) > MAX_SUBSCRIPTIONS:
            await self._error(request_id, 400, f"At most {MAX_SUBSCRIPTIONS} subscriptions per connection.")
            return
        for stream in params:
            if stream not in self.streams:
                await self._join(stream)
                self.streams.add(stream)
        await self.send_json({"result": None, "id": request_id})

    async def stream_event(self, event: dict[str, Any]) -> None:
        """An event of a user or control stream (public streams come through the hub)."""
        stream = event["stream"]
        if group_for(stream) in self.control_groups:
            await self.close(code=CLOSE_SESSION_REVOKED)
        elif stream in self.streams:
            await self.send_json({"stream": stream, "data": event["data"]})

    async def _join(self, stream: str) -> None:
        if is_public(stream):
            if self.outbox is None:
                self.outbox = Outbox(self._forward, self._stop)
            await self.hub.subscribe(stream, self.outbox)
        else:
            await self.channel_layer.group_add(group_for(stream), self.channel_name)

    async def _leave(self, stream: str) -> None:
        if is_public(stream):
            await self.hub.unsubscribe(stream, self.outbox)
        else:
            await self.channel_layer.group_discard(group_for(stream), self.channel_name)

    async def _forward(self, stream: str, frame: str) -> None:
        # A frame queued before an UNSUBSCRIBE of its stream is not sent after the reply to it.
        if stream in self.streams:
            await self.send(text_data=frame)

    async def _stop(self, code: int) -> None:
        self.hub.drop(self.outbox)
        reason = "Too slow" if code == CLOSE_TOO_SLOW else "Server error"
        await self.close(code=code, reason=f"{reason}: reconnect and SUBSCRIBE again.")

    async def _error(self, request_id: Any, code: int, message: str) -> None:
        await self.send_json({"error": {"code": code, "msg": message}, "id": request_id})
