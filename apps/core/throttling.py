"""Rate limits and attempt counters whose counting holds under concurrency.

Each check and its count is one Lua script that Redis runs as a single step, so fifty requests
racing for the last slot see exactly one winner, whichever web process or thread they arrive
on. (DRF's own throttles read a history from the cache and write it back: two requests that
read together both pass.)

When Redis cannot be reached nothing is let through unchecked: the request is refused with
503 RATE_LIMIT_UNAVAILABLE, and the next request after Redis returns is counted again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from apps.core.errors import REDIS_OUTAGES, OutageError

if TYPE_CHECKING:
    # Only for types: DRF imports this module while rest_framework.views is being loaded.
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

# A sliding window log: the members are the requests let through in the last window.
# The server's clock (TIME) keeps the windows of every web replica the same.
_TAKE_SLOT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window_ms)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window_ms)
    return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(tonumber(oldest[2]) + window_ms - now_ms, 1)
"""

# Refuses without counting while any counter is at its limit; otherwise counts on every one.
# A counter's window starts at its first count and starts again when it reaches its limit,
# so a lock always lasts the whole window.
_RESERVE_ATTEMPT = """
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
        local ttl = redis.call('TTL', key)
        if ttl < 0 then
            redis.call('EXPIRE', key, window)
            ttl = window
        end
        return ttl
    end
end
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    if count == 1 or count >= tonumber(ARGV[i + 1]) then
        redis.call('EXPIRE', key, window)
    end
end
return -1
"""

# The first ARGV[1] keys get one count back (never below zero, never bringing back an expired
# counter); the rest are cleared.
_RELEASE_ATTEMPT = """
local released = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    if i > released then
        redis.call('DEL', key)
    elseif tonumber(redis.call('GET', key) or '0') > 0 then
        redis.call('DECR', key)
    end
end
return 0
"""

UNAVAILABLE_MESSAGE = "Rate-limit store unavailable; try again shortly."


class RateLimitUnavailable(OutageError):
    """Redis, which holds every rate limit and lockout, cannot be reached."""

    def __init__(self) -> None:
        super().__init__(code="RATE_LIMIT_UNAVAILABLE", message=UNAVAILABLE_MESSAGE)


def _run(script: str, *, keys: Sequence[str], args: Sequence[Any]) -> int:
    redis_keys = [cache.make_key(key) for key in keys]
    try:
        client = cache._cache.get_client(redis_keys[0], write=True)
        return int(client.register_script(script)(keys=redis_keys, args=list(args)))
    except REDIS_OUTAGES as exc:
        logger.warning("%s (%s: %s)", UNAVAILABLE_MESSAGE, type(exc).__name__, exc)
        raise RateLimitUnavailable from None


def take_rate_slot(*, key: str, limit: int, window_seconds: int) -> float | None:
    """Count one request against `limit` per sliding `window_seconds`.

    None when the request fits; otherwise the seconds until the oldest counted request leaves
    the window (a refused request is not counted, so it does not push that moment back).
    """
    member = secrets.token_hex(8)
    wait_ms = _run(_TAKE_SLOT, keys=[key], args=[limit, window_seconds * 1000, member])
    return None if wait_ms < 0 else wait_ms / 1000


def reserve_attempt(*, limits: Sequence[tuple[str, int]], window_seconds: int) -> int | None:
    """Count one attempt on every `(key, limit)` counter before the attempt is made.

    None when it is reserved; the seconds until the first full counter expires when any is
    already at its limit (then nothing is counted). Counting first is what stops parallel
    attempts: the one that takes the last count is the last one let through.
    """
    wait = _run(
        _RESERVE_ATTEMPT,
        keys=[key for key, _ in limits],
        args=[window_seconds, *(limit for _, limit in limits)],
    )
    return None if wait < 0 else max(wait, 1)


def release_attempt(*, keys: Sequence[str], reset: Sequence[str] = ()) -> None:
    """Take a reserved attempt back from `keys` (it turned out not to count) and clear `reset`."""
    _run(_RELEASE_ATTEMPT, keys=[*keys, *reset], args=[len(keys)])


def parse_rate(rate: str) -> tuple[int, int]:
    """`"20/min"` -> (20, 60): DRF's rate syntax, a count per second, minute, hour or day."""
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


class AtomicScopedRateThrottle(BaseThrottle):
    """DRF's ScopedRateThrottle counted atomically in Redis.

    A view names its `throttle_scope`; the rate comes from REST_FRAMEWORK's
    DEFAULT_THROTTLE_RATES. Signed-in users are counted per account, everyone else per client
    address (REST_FRAMEWORK's NUM_PROXIES decides how far X-Forwarded-For is trusted). It is
    the default throttle class, so a view that names a scope is throttled without more.
    """

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if scope not in rates:
            raise ImproperlyConfigured(f"No rate in DEFAULT_THROTTLE_RATES for throttle scope {scope!r}.")
        if rates[scope] is None:
            return True
        limit, window = parse_rate(rates[scope])
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            ident = f"address:{self.get_ident(request) or 'unknown'}"
        self._wait = take_rate_slot(key=f"throttle:{scope}:{ident}", limit=limit, window_seconds=window)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
