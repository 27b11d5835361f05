from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.exchanges.management.commands.seed_trading_demo import DEMO_TRADER
from apps.exchanges.selectors import active_accounts
from apps.journal.demo import seed_demo_journal


class Command(BaseCommand):
    help = (
        "Give the demo trader three months of closed paper trades in the journal (idempotent). "
        "DEBUG only; run after seed_trading_demo."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_journal_demo only runs with DEBUG on.")
        trader = User.objects.filter(email=DEMO_TRADER).first()
        account = trader and active_accounts(user=trader).filter(exchange_name="paper").first()
        if account is None:
            raise CommandError(f"Run seed_demo and seed_trading_demo first: {DEMO_TRADER} has no paper account.")
        result = seed_demo_journal(user=trader, account=account)
        total = trader.journal_trades.count()
        self.stdout.write(f"Journal for {DEMO_TRADER}: {total} closed trades ({result.created} new).")
