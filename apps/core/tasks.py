"""Celery side of the stream helper."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.core.streams import publish


@shared_task(ignore_result=True)
def relay_stream_event(stream: str, data: dict[str, Any]) -> None:
    """Publish `data` on `stream` from a worker.

    For events whose payload is only known after slow work in the worker, or for a caller that
    must not wait on Redis: `transaction.on_commit(lambda: relay_stream_event.delay(stream, data))`.
    The arguments travel as JSON, so `data` holds plain values. The event is sent once; a client
    that was not subscribed at that moment never sees it (streams are live, not a log).
    """
    publish(stream, data)
