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

Its connection pool waits for a free connection instead of failing: redis-py's default pool
raises `MaxConnectionsError: Too many connections` as soon as 100 commands are in flight on one
event loop, which a burst of SUBSCRIBEs (a group_add each) or of sign-ins (two each) reached.
At most `max_connections` are opened per process and event loop; a command waits up to
`pool_timeout` seconds for one, then fails as an outage would.

Senders (`send`, `group_send`) try once more over a fresh connection when a pooled one turns out
closed, then raise: events sent while Redis is down are lost (streams are live, not a log), and
apps/core/streams.py decides what a failed publish means.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core.errors import REDIS_OUTAGES

logger = logging.getLogger(__name__)

# What a lost, restarting (BusyLoadingError is a ConnectionError) or stale Redis raises.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (*REDIS_OUTAGES, OSError)
FIRST_RETRY_SECONDS = 0.1


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(
        self,
        *args: Any,
        reconnect_max_seconds: float = 5.0,
        max_connections: int = 50,
        pool_timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reconnect_max_seconds = reconnect_max_seconds
        self.max_connections, self.pool_timeout = max_connections, pool_timeout
        self._members: dict[str, set[str]] = defaultdict(set)  # group -> channels of this process
        self._failed_discards: dict[str, set[str]] = defaultdict(set)
        self._reconnecting: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    def create_pool(self, index: int) -> Any:
        host = dict(self.hosts[index])
        if "address" not in host:  # a sentinel or host/port entry: channels-redis's own pool
            return super().create_pool(index)
        options = {"max_connections": self.max_connections, "timeout": self.pool_timeout, **host}
        return BlockingConnectionPool.from_url(options.pop("address"), **options)

    async def receive(self, channel: str) -> dict[str, Any]:
        while True:
            try:
                return await super().receive(channel)
            except OUTAGE_ERRORS as exc:
                # Shielded: one socket closing must not cancel the reconnection the others wait on.
                await asyncio.shield(self._reconnection(exc))

    async def receive_many(self, channel: str, *, limit: int = 1000) -> list[dict[str, Any]]:
        """The messages waiting on `channel`, oldest first and at most `limit`, or [] when none came
        within channels-redis's blocking-pop timeout (5 s). `channel` is a plain name its caller
        made up and reads alone (not one of `new_channel()`'s process-local ones).

        One round trip takes all that wait, so a reader that is slow between reads (the stream
        hub while it sends to its sockets) still takes events out of Redis as fast as they come:
        one left there past `expiry` would be lost. A message popped as the read is cancelled is
        lost with it, so its caller lets a read finish rather than cancel it. Redis outages are
        waited through, as in `receive`.
        """
        if "!" in channel:
            raise ValueError(f"receive_many reads plain channels, not process-local ones such as {channel!r}.")
        key = self.prefix + channel
        while True:
            try:
                connection = self.connection(self.consistent_hash(channel))
                popped = await connection.zpopmin(key, limit)
                if not popped:
                    first = await connection.bzpopmin(key, timeout=self.brpop_timeout)
                    popped = [] if first is None else [first[1:]]
                break
            except OUTAGE_ERRORS as exc:
                await asyncio.shield(self._reconnection(exc))
        messages = [self.deserialize(member) for member, _ in popped]
        for message in messages:
            message.pop("__asgi_channel__", None)  # group_send names the receiving channels
        return messages

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

    async def groups_with_members(self, groups: Collection[str]) -> set[str]:
        """Which of `groups` have a member now, in one round trip per shard (their expired members
        dropped first, as `group_send` drops them). Retried once over a fresh connection, as the
        senders are."""
        try:
            return await self._groups_with_members(groups)
        except RedisConnectionError:
            return await self._groups_with_members(groups)

    async def _groups_with_members(self, groups: Collection[str]) -> set[str]:
        by_shard: dict[int, list[str]] = defaultdict(list)
        for group in set(groups):
            by_shard[self.consistent_hash(group)].append(group)
        expired = int(time.time()) - self.group_expiry
        found: set[str] = set()
        for index, names in by_shard.items():
            pipe = self.connection(index).pipeline(transaction=False)
            for name in names:
                pipe.zremrangebyscore(self._group_key(name), min=0, max=expired)
                pipe.zcard(self._group_key(name))
            counts = (await pipe.execute())[1::2]
            found.update(name for name, count in zip(names, counts, strict=True) if count)
        return found

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
