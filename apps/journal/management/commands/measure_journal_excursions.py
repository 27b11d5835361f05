from __future__ import annotations

from argparse import ArgumentParser
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError

from apps.journal.models import JournalTrade
from apps.journal.services.excursions import measure_excursions

CHUNK = 500


class Command(BaseCommand):
    help = (
        "Measure MAE/MFE of the journal trades that have none yet (every user's, or one with --user), "
        "from the candles the venues still serve: what the task sent as trades are written missed "
        "(a broker that was down, a venue that was unreachable, trades from before it existed)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", help="only this user's trades (user id)")

    def handle(self, *args: object, user: str | None, **options: object) -> None:
        try:
            trades = JournalTrade.objects.filter(mae__isnull=True, exchange_account__isnull=False)
            if user:
                trades = trades.filter(user_id=UUID(user))
        except ValueError:
            raise CommandError("--user must be a user id (a UUID).") from None
        ids = list(trades.order_by("closed_at").values_list("id", flat=True))
        measured = sum(measure_excursions(trade_ids=ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK))
        self.stdout.write(f"{measured} of {len(ids)} unmeasured trade(s) measured.")
