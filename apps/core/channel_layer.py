"""channels-redis's channel layer, made to outlive a Redis outage.

channels runs a consumer's channel-layer read beside its socket and lets any error of that read
end the consumer: with plain channels-redis, a Redis restart (or a connection it left stale:
`Timeout reading from ...`, `Connection lost` in BZPOPMIN) closed every open socket with 1011 and
a traceback each. Here the layer absorbs those errors instead, for every consumer at once:

- `receive` waits for Redis to answer again (backing off up to `reconnect_max_seconds`), then
  reads on; the socket stays open and its consumer never sees the error.
- Group membership is remembered in the process, because a Redis without persistence comes back
  empty: once it answers, every membership this process holds is written again (and discards
  that failed meanwhile are replayed), so subscribed sockets get events again within seconds.
- `group_add` during an outage is kept and written on reconnection rather than raised.
- An outage logs one line when Redis is first found unreachable and one when it answers again,
  per process, never a traceback per socket.

Senders (`send`, `group_send`) try once more over a fresh connection when a pooled one turns out
closed, then raise: events sent while Redis is down are lost (streams are live, not a log), and
apps/core/streams.py decides what a failed publish means.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core.errors import REDIS_OUTAGES

logger = logging.getLogger(__name__)

# What a lost, restarting (BusyLoadingError is a ConnectionError) or stale Redis raises.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (*REDIS_OUTAGES, OSError)
FIRST_RETRY_SECONDS = 0.1


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args: Any, reconnect_max_seconds: float = 5.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reconnect_max_seconds = reconnect_max_seconds
        self._members: dict[str, set[str]] = defaultdict(set)  # group -> channels of this process
        self._failed_discards: dict[str, set[str]] = defaultdict(set)
        self._reconnecting: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    async def receive(self, channel: str) -> dict[str, Any]:
        while True:
            try:
                return await super().receive(channel)
            except OUTAGE_ERRORS as exc:
                # Shielded: one socket closing must not cancel the reconnection the others wait on.
                await asyncio.shield(self._reconnection(exc))

    async def group_add(self, group: str, channel: str) -> None:
        self._members[group].add(channel)
        self._failed_discards.get(group, set()).discard(channel)
        try:
            await super().group_add(group, channel)
        except OUTAGE_ERRORS as exc:
            self._reconnection(exc)  # which writes this membership once Redis answers

    async def group_discard(self, group: str, channel: str) -> None:
        members = self._members.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self._members[group]
        try:
            await super().group_discard(group, channel)
        except OUTAGE_ERRORS as exc:
            # Left in a Redis that kept its data, the channel would be sent events nobody reads.
            self._failed_discards[group].add(channel)
            self._reconnection(exc)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        try:
            await super().send(channel, message)
        except RedisConnectionError:
            # A pooled connection Redis closed meanwhile (a restart, an idle timeout) fails on its
            # first use and leaves the pool; one more try goes over a fresh connection.
            await super().send(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        try:
            await super().group_send(group, message)
        except RedisConnectionError:
            await super().group_send(group, message)  # as in send()

    async def _clean_receive_backup(self, index: int, channel: str) -> None:
        try:
            await super()._clean_receive_backup(index, channel)
        except OUTAGE_ERRORS:
            # The message was delivered; a Redis that kept the backup hands it over once more.
            logger.debug("could not clear the receive backup of %s", channel)

    async def close_pools(self) -> None:
        task = self._reconnecting.pop(asyncio.get_running_loop(), None)
        if task is not None:
            task.cancel()
        await super().close_pools()

    def _reconnection(self, cause: BaseException) -> asyncio.Task[None]:
        """The running reconnection of this event loop's connections, started if there is none."""
        loop = asyncio.get_running_loop()
        task = self._reconnecting.get(loop)
        if task is None or task.done():
            task = self._reconnecting[loop] = loop.create_task(self._reconnect(cause))
        return task

    async def _reconnect(self, cause: BaseException) -> None:
        started, delay, failures, unreachable = time.monotonic(), FIRST_RETRY_SECONDS, 0, False
        while True:
            try:
                rejoined = await self._rejoin()
                break
            except OUTAGE_ERRORS as exc:
                failures += 1
                # One failure may be one more pooled connection Redis had closed: only a second
                # in a row says Redis itself is gone.
                if failures > 1 and not unreachable:
                    logger.warning(
                        "Channel layer cannot reach Redis (%s); open sockets stay open and rejoin their "
                        "streams once it answers.",
                        describe(exc),
                    )
                    unreachable = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_seconds)
        if unreachable:
            logger.warning(
                "Channel layer reached Redis again after %.1fs; rejoined %d stream memberships.",
                time.monotonic() - started,
                rejoined,
            )
        else:
            logger.info(
                "Channel layer's Redis connection dropped (%s); reconnected, rejoined %d stream memberships.",
                describe(cause),
                rejoined,
            )

    async def _rejoin(self) -> int:
        """Write every membership of this process again, and drop the ones whose discard failed."""
        members = {group: set(channels) for group, channels in self._members.items() if channels}
        discards = {group: set(channels) for group, channels in self._failed_discards.items() if channels}
        by_shard: dict[int, list[str]] = defaultdict(list)
        for group in members.keys() | discards.keys():
            by_shard[self.consistent_hash(group)].append(group)
        for index in range(self.ring_size):
            pipe = self.connection(index).pipeline(transaction=False)
            pipe.ping()
            now = time.time()
            for group in by_shard.get(index, []):
                key = self._group_key(group)
                if discards.get(group):
                    pipe.zrem(key, *discards[group])
                if members.get(group):
                    pipe.zadd(key, dict.fromkeys(members[group], now))
                    pipe.expire(key, self.group_expiry)
            await pipe.execute()
        for group, channels in discards.items():
            self._failed_discards[group] -= channels
        return sum(len(channels) for channels in members.values())
