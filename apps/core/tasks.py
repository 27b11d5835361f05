"""Celery side of the stream helper, and the one way services send a task after commit."""

from __future__ import annotations

import logging
from typing import Any

import kombu.exceptions
from celery import Task, shared_task
from django.db import transaction

from apps.core.errors import REDIS_OUTAGES
from apps.core.streams import publish

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *, args: list[Any], countdown: int | None = None, recovered_by: str) -> None:
    """Send `task` once the current transaction commits.

    The row that asks for the work is already committed when the task is sent, so a broker that
    is down must not turn the request into an error: the write happened, and answering 503 would
    make the client retry a write that succeeded. The row stays in the state that a beat sweep
    (`recovered_by`, named in the one warning line) finds and sends again once the broker is back.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, countdown=countdown)
        except (kombu.exceptions.OperationalError, *REDIS_OUTAGES) as exc:
            logger.warning(
                "Task broker unavailable: %s%s not sent (%s); %s sends it again",
                task.name,
                tuple(args),
                type(exc).__name__,
                recovered_by,
            )

    transaction.on_commit(send)


@shared_task(ignore_result=True)
def relay_stream_event(stream: str, data: dict[str, Any]) -> None:
    """Publish `data` on `stream` from a worker.

    For events whose payload is only known after slow work in the worker, or for a caller that
    must not wait on Redis: `transaction.on_commit(lambda: relay_stream_event.delay(stream, data))`.
    The arguments travel as JSON, so `data` holds plain values. The event is sent once; a client
    that was not subscribed at that moment never sees it (streams are live, not a log).
    """
    publish(stream, data)
