"""A short per-process cache of signed-in sessions, so that a read (GET, HEAD, OPTIONS, a socket
opening) bearing an access token reads neither the database nor Redis.

Each web and ws process keeps what `selectors._live_session_and_user` read for a session (its
expiry, and its user's fields but the password hash and last_login) for at most
AUTH_CACHE_SECONDS, and never past the session's expiry. Writes neither use nor fill it: what
changes state always rests on the session and user rows as they are.

Revocation stays immediate. Every service that ends a session or changes a user calls
`forget_sessions` or `forget_user` inside its transaction. That announces the change on a Redis
channel twice: before the commit, so that an unreachable Redis fails the service and its
transaction rolls back (no revocation is ever committed unannounced), and again once committed,
which drops whatever another process read in between. The announcing process applies it to its
own cache at once. Every other process subscribes to the channel and, before it answers from its
cache, applies whatever has arrived, without waiting: a request that starts once the
announcement has reached its process is refused. The announcement is sent before the service
returns and reaches every process on one host within microseconds, sooner than a client can
send its next request (tests/accounts/test_auth_cache_processes.py). A process only trusts its
cache while the subscription is known to work:

- it subscribes, and waits for Redis to confirm, before it keeps a single entry;
- it drops every entry when the connection fails or is re-made (what was announced meanwhile is
  unknown); it PINGs every PING_SECONDS without waiting, and after SILENCE_SECONDS without
  hearing a thing (an idle process, or a peer gone silent) it PINGs and waits for the answer
  before it answers from its cache, so a silent connection is a failed one; after a failure,
  requests are authenticated from the database until it is subscribed again;
- an entry read from the database is kept only if no announcement arrived while it was read.

A change made straight to the tables (a queryset `update`, SQL, a `save()` outside the services)
announces nothing, so it is seen within AUTH_CACHE_SECONDS. AUTH_CACHE_SECONDS=0 turns the cache
off.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import select
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import transaction
from django.utils import timezone

from apps.core.errors import REDIS_OUTAGES

logger = logging.getLogger(__name__)

CHANNEL = "auth:changes"
PING_SECONDS = 1.0
SILENCE_SECONDS = 3.0  # nothing heard for this long: PING, and wait for the answer
RETRY_SECONDS = 5.0  # after a failed subscription, requests go to the database this long
CONFIRM_SECONDS = 2.0
MAX_ENTRIES = 10_000

Found = tuple[datetime, dict[str, Any]]  # the session's expiry, the user's fields


class _Entry(NamedTuple):
    user_id: uuid.UUID
    session_expires_at: datetime
    user_fields: dict[str, Any]
    until: float  # time.monotonic()


# Django's Redis cache builds a new client object for every call (it cost as much as the round
# trip): one per cache backend (a thread's, or a new one after a settings change) is kept here.
_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _redis() -> tuple[Any, Callable[[str], str]]:
    """The Redis client of this thread's cache backend, and how that backend names keys."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    client = _clients.get(backend)
    if client is None:
        client = _clients[backend] = backend._cache.get_client(write=True)
    return client, backend.make_key


class _ProcessCache:
    """The entries and the subscription of this process; every method is called under `lock`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[uuid.UUID, _Entry] = {}
        self.generation = 0  # moves on with every change applied: see `remember`
        self.pid = os.getpid()
        self.pubsub: Any = None
        self.heard = self.pinged = self.failed_at = -math.inf
        self.failing = False
        self.reconnected = False  # set by redis-py's connect hook: see `subscribe`

    def listening(self) -> bool:
        """Whether every change announced before now that reached this process is applied and the
        subscription is known to be alive; when not, the cache is not to be used."""
        now = time.monotonic()
        if self.pid != os.getpid():  # a forked child: the parent's subscription is not its own
            self.pid, self.pubsub = os.getpid(), None
            self.drop_all()
        try:
            if self.pubsub is None:
                if now - self.failed_at < RETRY_SECONDS:
                    return False
                self.subscribe()
            elif now - self.heard > SILENCE_SECONDS:
                self.confirm()
            elif now - self.pinged >= PING_SECONDS:
                self.pubsub.ping()  # answered by the time of a later request: see `confirm`
                self.pinged = now
            while self.pending() and (message := self.pubsub.get_message(timeout=0)) is not None:
                self.heard = time.monotonic()
                self.apply(message)
            if self.reconnected:
                self.reconnected = False
                self.drop_all()
        except REDIS_OUTAGES as exc:
            self.failed(exc)
            return False
        if self.failing:
            self.failing = False
            logger.warning("Auth cache on again")
        return True

    def pending(self) -> bool:
        """Whether the subscription may hold something to read. A poll of its socket (and of
        redis-py's own buffer) costs a request ~60 µs less than redis-py's try at reading; with
        a connection that does not look as expected, the answer is yes, and redis-py reads."""
        connection = self.pubsub.connection
        sock = getattr(connection, "_sock", None)
        buffer = getattr(getattr(connection, "_parser", None), "_buffer", None)
        if sock is None or not hasattr(buffer, "unread_bytes"):
            return True
        return bool(buffer.unread_bytes()) or bool(select.select([sock], [], [], 0)[0])

    def confirm(self) -> None:
        """Nothing was heard for a while (an idle process, or a peer gone silent): PING, and wait
        for the answer, applying whatever arrives before it (Redis sends in order)."""
        token = uuid.uuid4().hex.encode()
        self.pubsub.ping(token)
        self.pinged = asked = time.monotonic()
        while True:
            message = self.pubsub.get_message(timeout=max(0.0, asked + CONFIRM_SECONDS - time.monotonic()))
            if message is None:
                raise redis.TimeoutError("Redis did not answer a PING on the subscription")
            self.heard = time.monotonic()
            self.apply(message)
            if message["type"] == "pong" and message["data"] == token:
                return

    def subscribe(self) -> None:
        client, key = _redis()
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(key(CHANNEL))
            confirmed = pubsub.get_message(timeout=CONFIRM_SECONDS)
            if not confirmed or confirmed["type"] != "subscribe":
                raise redis.TimeoutError("Redis did not confirm the subscription")
        except BaseException:
            pubsub.close()
            raise
        self.pubsub = pubsub
        # redis-py makes a dropped subscription again by itself, inside whichever call meets the
        # drop, and says so only by a "subscribe" reply that may not have arrived by the time this
        # request looks (a CI run answered from the cache): the hook tells the same call.
        pubsub.connection.register_connect_callback(self._made_again)
        self.reconnected = False
        self.heard = self.pinged = time.monotonic()
        self.drop_all()

    def _made_again(self, connection: Any) -> None:
        self.reconnected = True

    def failed(self, exc: BaseException) -> None:
        if not self.failing:
            self.failing = True
            logger.warning("Auth cache off, reading sessions from the database (%s: %s)", type(exc).__name__, exc)
        self.failed_at = time.monotonic()
        self.close()

    def close(self) -> None:
        if self.pubsub is not None:
            with contextlib.suppress(*REDIS_OUTAGES):
                if self.pubsub.connection is not None:  # back to the pool, without our hook
                    self.pubsub.connection.deregister_connect_callback(self._made_again)
                self.pubsub.close()
        self.pubsub = None
        self.drop_all()

    def apply(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":  # the connection was made again: changes may be lost
            self.drop_all()
        elif message["type"] == "message":
            self.forget(message["data"].decode())

    def forget(self, change: str) -> None:
        kind, _, ident = change.partition(":")
        if kind == "s":
            self.entries.pop(uuid.UUID(ident), None)
        elif kind == "u":
            user_id = uuid.UUID(ident)
            for session_id in [s for s, entry in self.entries.items() if entry.user_id == user_id]:
                del self.entries[session_id]
        self.generation += 1

    def drop_all(self) -> None:
        self.entries.clear()
        self.generation += 1


_cache = _ProcessCache()


def lookup(*, session_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Found | None, int | None]:
    """(what is cached for this session of this user, or None; a ticket for `remember`, or None
    when the cache is not to be used). Never raises for Redis."""
    if settings.AUTH_CACHE_SECONDS <= 0:
        return None, None
    with _cache.lock:
        if not _cache.listening():
            return None, None
        entry, ticket = _cache.entries.get(session_id), _cache.generation
    if (
        entry is None
        or entry.user_id != user_id
        or entry.until <= time.monotonic()
        or entry.session_expires_at <= timezone.now()
    ):
        return None, ticket
    return (entry.session_expires_at, entry.user_fields), ticket


def remember(ticket: int | None, *, session_id: uuid.UUID, user_id: uuid.UUID, found: Found) -> None:
    """Keep what was just read from the database, unless a change was announced since `lookup`
    gave the ticket (the row may have been read before that change committed)."""
    if ticket is None:
        return
    until = time.monotonic() + settings.AUTH_CACHE_SECONDS
    with _cache.lock:
        if not _cache.listening() or _cache.generation != ticket:
            return
        if len(_cache.entries) >= MAX_ENTRIES:
            _cache.entries.clear()
        _cache.entries[session_id] = _Entry(user_id, found[0], found[1], until)


def unsubscribe() -> None:
    """Forget every entry and the subscription; the next lookup subscribes again at once."""
    with _cache.lock:
        _cache.close()
        _cache.failed_at = -math.inf


def forget_sessions(session_ids: list[uuid.UUID]) -> None:
    """Inside the transaction that revokes these sessions: no process answers for them from its
    cache again. Raises a Redis error when Redis cannot be reached, so that the revocation rolls back."""
    _announce([f"s:{session_id}" for session_id in session_ids])


def forget_user(user_id: uuid.UUID) -> None:
    """Inside the transaction that changes the user (role, status): every process reads the user
    from the database again. Raises a Redis error when Redis cannot be reached, so that the change
    rolls back."""
    _announce([f"u:{user_id}"])


def _announce(changes: list[str]) -> None:
    if not changes or settings.AUTH_CACHE_SECONDS <= 0:
        return
    _publish(changes)
    transaction.on_commit(lambda: _publish_committed(changes))


def _publish(changes: list[str]) -> None:
    with _cache.lock:
        for change in changes:
            _cache.forget(change)
    client, key = _redis()
    pipe = client.pipeline(transaction=False)
    for change in changes:
        pipe.publish(key(CHANNEL), change)
    pipe.execute()


def _publish_committed(changes: list[str]) -> None:
    try:
        _publish(changes)
    except REDIS_OUTAGES as exc:
        # Announced before the commit all the same. A process that read the row in between keeps
        # it until its own subscription to this Redis is found dead, or for AUTH_CACHE_SECONDS.
        logger.warning("Auth cache: a committed change was not announced again (%s: %s)", type(exc).__name__, exc)
