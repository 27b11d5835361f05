"""config.settings for the ws_fanout bench's platform side (its daphne and its publisher).

The channel layer gets a prefix of the run's own (BENCH_WS_PREFIX): a daphne stopped by the bench
leaves its group memberships in Redis for a day, and every later publish to those groups would
carry them. With BENCH_WS_LAYER=pubsub the layer is channels-redis's Redis pub/sub one instead,
to compare the two under the same consumer and hub.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS as PLATFORM_LAYERS

_layer = PLATFORM_LAYERS["default"]
_prefix = os.environ.get("BENCH_WS_PREFIX", "bench-ws")

if os.environ.get("BENCH_WS_LAYER") == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": _layer["CONFIG"]["hosts"], "prefix": _prefix},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {**_layer, "CONFIG": {**_layer["CONFIG"], "prefix": _prefix}}}
