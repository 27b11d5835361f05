from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.indexer.ingest.backfill import create_backfill_ranges


class Command(BaseCommand):
    help = "Split blocks FROM..TO into backfill ranges and enqueue one Celery task per range."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=int, required=True, help="first block")
        parser.add_argument("--to", dest="end", type=int, required=True, help="last block (inclusive)")
        parser.add_argument("--chunk", type=int, default=settings.INDEXER_BACKFILL_CHUNK, help="blocks per range")

    def handle(self, *args, start: int, end: int, chunk: int, **options):
        from apps.indexer.tasks import backfill_range

        try:
            with transaction.atomic():
                ranges = create_backfill_ranges(start=start, end=end, chunk=chunk)
                for backfill in ranges:
                    transaction.on_commit(lambda pk=backfill.pk: backfill_range.delay(pk))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for backfill in ranges:
            self.stdout.write(f"range {backfill.pk}: blocks {backfill.start_block}-{backfill.end_block} queued")
