"""What other apps do when the projection records rows, without `jobs` importing them.

`tee` registers here (in its AppConfig.ready), so the layering stays jobs -> tee: a snapshot the
backend submitted gets the balance report it polled, in the same transaction as the row."""

from __future__ import annotations

from collections.abc import Callable

SnapshotHook = Callable[..., object]
_snapshot_recorded: list[SnapshotHook] = []


def on_snapshot_recorded(hook: SnapshotHook) -> None:
    """`hook(tx_hash=...)` each time the projection records a Snapshot from a SnapshotReported log."""
    if hook not in _snapshot_recorded:
        _snapshot_recorded.append(hook)


def snapshot_recorded(*, tx_hash: str) -> None:
    for hook in _snapshot_recorded:
        hook(tx_hash=tx_hash)
