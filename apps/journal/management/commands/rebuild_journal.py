from __future__ import annotations

from argparse import ArgumentParser
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from apps.journal.services.updates import rebuild_journal


class Command(BaseCommand):
    help = (
        "Recompute the journal's trades from the fills (every user's, or one with --user). "
        "Idempotent: on a journal kept up to date as fills arrived, it changes nothing; notes and tags stay."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", help="only this user's journal (user id)")

    def handle(self, *args: object, user: str | None, **options: object) -> None:
        try:
            user_id = UUID(user) if user else None
        except ValueError:
            raise CommandError("--user must be a user id (a UUID).") from None
        result = rebuild_journal(user_id=user_id)
        self.stdout.write(
            f"Journal rebuilt: {result.created} trade(s) created, {result.updated} updated, {result.deleted} deleted."
        )
