"""Journal image files with no row: what a failed upload or a deleted trader leaves in storage.

An upload writes its file inside its transaction and removes it if that fails, but a process
killed in between leaves the file; a trader deleted by the cascade leaves every file (rows go,
storage is not the database's). Files are found through the storage API (local or S3), under
`journal/<user id>/`, and one is removed when no JournalImage names it and it is older than
ORPHAN_AGE: an upload in flight has written its file but not yet committed its row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from apps.journal.models import JournalImage

logger = logging.getLogger(__name__)

ROOT = "journal"
ORPHAN_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class OrphanSweep:
    checked: int
    removed: list[str]


def _files() -> list[str]:
    try:
        folders, _ = default_storage.listdir(ROOT)
    except FileNotFoundError:
        return []
    names = []
    for folder in sorted(folders):
        _, files = default_storage.listdir(f"{ROOT}/{folder}")
        names.extend(f"{ROOT}/{folder}/{name}" for name in sorted(files))
    return names


def remove_orphan_files(
    *, older_than: timedelta = ORPHAN_AGE, now: datetime | None = None, dry_run: bool = False
) -> OrphanSweep:
    """Remove (or with `dry_run` only list) the journal's files with no row, older than `older_than`."""
    cutoff = (now or timezone.now()) - older_than
    names = _files()
    known: set[str] = set()
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        known.update(JournalImage.objects.filter(file__in=batch).values_list("file", flat=True))
    removed = []
    for name in names:
        if name in known:
            continue
        try:
            if default_storage.get_modified_time(name) >= cutoff:
                continue  # perhaps an upload whose row is about to commit
            if not dry_run:
                default_storage.delete(name)
        except (OSError, NotImplementedError):
            logger.warning("orphan journal file %s could not be checked or removed", name, exc_info=True)
            continue
        removed.append(name)
    if removed:
        logger.info("%s %d orphan journal files", "found" if dry_run else "removed", len(removed))
    return OrphanSweep(checked=len(names), removed=removed)
