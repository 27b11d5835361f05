"""The baseline of the ws_fanout bench: raw channels-redis `group_send` to a bare consumer.

A minimal AsyncWebsocketConsumer under a bare ASGI app (no auth middleware, no router, no
resilient layer, no hub): on any text frame it joins the run's group and answers
`{"result": null, "id": 1}`, and it forwards each `stream.event` as `{"stream", "data"}`, as the
platform's consumer does. Its layer is channels-redis's own RedisChannelLayer (or, with
BENCH_WS_LAYER=pubsub, its RedisPubSubChannelLayer) on the platform's Redis with the platform's
timeouts, capacity and expiry, so the bench compares the fan-out, not the configuration.

    daphne ... tests.bench.ws_asgi:application
"""

from __future__ import annotations

import json
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import channel_layers  # noqa: E402
from channels_redis.core import RedisChannelLayer  # noqa: E402
from channels_redis.pubsub import RedisPubSubChannelLayer  # noqa: E402
from django.conf import settings  # noqa: E402

RAW_LAYER = "bench-raw"
# A group and a prefix per run (the runner names them): memberships a killed run left cost nothing.
BARE_GROUP = os.environ.get("BENCH_WS_GROUP", "bench.bare")


def raw_layer() -> Any:
    config, prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"], os.environ.get("BENCH_WS_PREFIX", "bench-raw")
    if os.environ.get("BENCH_WS_LAYER") == "pubsub":
        return RedisPubSubChannelLayer(hosts=config["hosts"], prefix=prefix)
    return RedisChannelLayer(hosts=config["hosts"], prefix=prefix, capacity=config["capacity"], expiry=config["expiry"])


class BareConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = RAW_LAYER

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_add(BARE_GROUP, self.channel_name)
        await self.send(text_data='{"result": null, "id": 1}')

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(BARE_GROUP, self.channel_name)

    async def stream_event(self, event: dict) -> None:
        await self.send(text_data=json.dumps({"stream": event["stream"], "data": event["data"]}))


channel_layers.backends[RAW_LAYER] = raw_layer()
application = BareConsumer.as_asgi()
