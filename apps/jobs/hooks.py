"""What other apps add to `jobs`, without `jobs` importing them.

`tee` registers here (in its AppConfig.ready), so the layering stays jobs -> tee: a snapshot the
backend submitted gets the balance report it polled, in the same transaction as the row; and a
CEX_CAPITAL job's page shows the TEE's live status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SnapshotHook = Callable[..., object]
_snapshot_recorded: list[SnapshotHook] = []


def on_snapshot_recorded(hook: SnapshotHook) -> None:
    """`hook(tx_hash=...)` each time the projection records a Snapshot from a SnapshotReported log."""
    if hook not in _snapshot_recorded:
        _snapshot_recorded.append(hook)


def snapshot_recorded(*, tx_hash: str) -> None:
    for hook in _snapshot_recorded:
        hook(tx_hash=tx_hash)


TeeStatusReader = Callable[..., Any]
_tee_status: list[TeeStatusReader] = []


def on_job_page_tee_status(reader: TeeStatusReader) -> None:
    """`reader(job_id=...)`: what a CEX_CAPITAL job's page shows of the TEE (the last one set wins)."""
    _tee_status[:] = [reader]


def job_page_tee_status(*, job_id: int) -> Any:
    """The registered reader's answer for the job page, or None when no TEE app is installed."""
    return _tee_status[0](job_id=job_id) if _tee_status else None
