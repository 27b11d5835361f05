"""The Django cache and the Channels layer on Redis, with their timeouts from the environment
(config/settings.py calls these with REDIS_URL)."""

from __future__ import annotations

from typing import Any

from config.env import env


def cache_settings(redis_url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "hc",
            # A Redis that stops answering costs a request this long before its 503, not a hang.
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=2.0),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=2.0),
            },
        }
    }


def channel_layer_settings(redis_url: str) -> dict[str, Any]:
    return {
        "default": {
            # channels-redis's layer that keeps sockets open through a Redis outage and rejoins their
            # streams when Redis answers again (apps/core/channel_layer.py).
            "BACKEND": "apps.core.channel_layer.ResilientRedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that channels-redis
                # blocks for in BZPOPMIN: an idle socket's read then times out as Redis answers, and
                # the consumer dies with a traceback. The read must outlast the blocking pop. Connecting
                # is quick or not at all: a publish after a request's commit waits at most that long.
                "hosts": [
                    {
                        "address": redis_url,
                        "socket_timeout": env.float("CHANNEL_LAYER_SOCKET_TIMEOUT", default=15),
                        "socket_connect_timeout": env.float("CHANNEL_LAYER_CONNECT_TIMEOUT", default=2),
                    }
                ],
                # A Redis without persistence comes back empty: until this process's next try rejoins
                # its sockets' groups, every event published reaches nobody (publishers see success).
                # At 5 s apart that window ran ~2 s past Redis's return, and an order placed in it
                # never reached its trader's 50 open sockets (tests/core/test_redis_outage.py).
                "reconnect_max_seconds": env.float("CHANNEL_LAYER_RECONNECT_MAX_SECONDS", default=0.5),
                # Redis connections per process and event loop; past it a command waits for a free one
                # rather than failing with MaxConnectionsError (apps/core/channel_layer.py).
                "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=50),
                "prefix": "hc-asgi",
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
