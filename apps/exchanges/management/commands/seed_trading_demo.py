from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.exchanges.selectors import active_accounts
from apps.exchanges.services import add_paper_account

DEMO_TRADER = "trader@example.com"


class Command(BaseCommand):
    help = "Give the demo trader a funded paper-exchange account (idempotent). DEBUG only."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_trading_demo only runs with DEBUG on.")
        trader = User.objects.filter(email=DEMO_TRADER).first()
        if trader is None:
            raise CommandError(f"Run seed_demo first: {DEMO_TRADER} does not exist.")
        account = active_accounts(user=trader).filter(exchange_name="paper").first()
        if account is None:
            account = add_paper_account(user=trader, label="Paper")
        markets = ", ".join(settings.PAPER_MARKETS)
        self.stdout.write(f"Paper exchange account for {DEMO_TRADER}: {account.id} ({markets})")
