from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError

from apps.exchanges.crypto import InvalidToken
from apps.exchanges.services import rotate_encryption_keys
from apps.exchanges.services.rotation import BATCH_SIZE


class Command(BaseCommand):
    help = (
        "Reseal every stored exchange credential and agent-wallet key with the first key of "
        "FIELD_ENCRYPTION_KEYS. Rotate by prepending a new key, running this, then dropping the old key."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows per transaction")

    def handle(self, *args: object, batch_size: int, **options: object) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            counts = rotate_encryption_keys(batch_size=batch_size)
        except InvalidToken:
            raise CommandError(
                "A stored secret opens with none of FIELD_ENCRYPTION_KEYS; keep every old key listed "
                "until the rotation has finished."
            ) from None
        self.stdout.write(f"Resealed {counts.accounts} exchange account credential(s).")
        self.stdout.write(f"Resealed {counts.agent_wallets} agent wallet key(s).")
