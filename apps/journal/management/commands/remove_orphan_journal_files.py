from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.journal.services.orphans import ORPHAN_AGE, remove_orphan_files


class Command(BaseCommand):
    help = "Remove journal image files that no image row names, older than an hour (or --older-than minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, default=int(ORPHAN_AGE.total_seconds() // 60), metavar="MINUTES")
        parser.add_argument("--dry-run", action="store_true", help="List them, remove nothing.")

    def handle(self, *args: Any, older_than: int, dry_run: bool, **options: Any) -> None:
        sweep = remove_orphan_files(older_than=timedelta(minutes=older_than), dry_run=dry_run)
        for name in sweep.removed:
            self.stdout.write(name)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{sweep.checked} files checked, {verb} {len(sweep.removed)}.")
