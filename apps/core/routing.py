from django.urls import re_path

from apps.core.consumers import StreamConsumer

# Seed 003 documents `ws://host:4000` (the root); `/ws` serves the same protocol behind a proxy.
websocket_urlpatterns = [
    re_path(r"^(ws/?)?$", StreamConsumer.as_asgi()),
]
