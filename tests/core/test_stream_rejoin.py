"""How soon a ws process re-subscribes its sockets once Redis answers again.

A Redis without persistence comes back empty, and an event published before the process's next
reconnection try has rejoined its groups reaches nobody while the publisher sees success: the
fault test's order placed two seconds after the restart was lost so (tests/core/test_redis_outage.py).
The layer is built from the settings the servers run with; its waits are recorded, not slept.
"""

from __future__ import annotations

from unittest import mock

from django.conf import settings
from django.utils.module_loading import import_string
from redis.exceptions import ConnectionError as RedisConnectionError

OUTAGE_TRIES = 12  # far past the point where the back-off stops growing


async def test_a_ws_process_tries_redis_again_within_half_a_second_however_long_the_outage():
    config = settings.CHANNEL_LAYERS["default"]
    layer = import_string(config["BACKEND"])(**config["CONFIG"])
    down = RedisConnectionError("Connection refused.")
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    with (
        mock.patch.object(layer, "_rejoin", side_effect=[down] * OUTAGE_TRIES + [200]),
        mock.patch("apps.core.channel_layer.asyncio.sleep", side_effect=record),
    ):
        await layer._reconnect(down)

    assert len(waits) == OUTAGE_TRIES
    assert max(waits) <= 0.5, f"a ws process waited {max(waits)}s between tries; events meanwhile reach nobody"
