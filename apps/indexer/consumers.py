"""What a follower feeds: apps above the indexer (jobs) register a LogConsumer here, so the
indexer never imports them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from apps.indexer.models import ChainLog


@dataclass(frozen=True)
class LogConsumer:
    """`addresses()` names the contracts to follow (read at each run: deployments change);
    `apply(logs)` builds state from new logs, in chain order, inside the batch's transaction;
    `rollback(block_number)` undoes whatever it built from blocks above `block_number`."""

    addresses: Callable[[], Sequence[str]]
    apply: Callable[[list[ChainLog]], None]
    rollback: Callable[[int], None]


_consumers: dict[str, LogConsumer] = {}


def register_log_consumer(cursor_name: str, consumer: LogConsumer) -> None:
    _consumers[cursor_name] = consumer


def log_consumer(cursor_name: str) -> LogConsumer:
    try:
        return _consumers[cursor_name]
    except KeyError:
        raise LookupError(f"No log consumer is registered for {cursor_name!r}.") from None
