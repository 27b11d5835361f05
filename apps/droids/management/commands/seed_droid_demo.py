from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.droids.demo import seed_droid_demo
from apps.indexer.rpc import NODE_ERRORS, chain_client, describe_node_error

DEMO_OPERATOR, DEMO_ADMIN = "trader@example.com", "admin@example.com"


class Command(BaseCommand):
    help = (
        "Give the demo trader a funded wallet and a running droid on the local WETH/USDC pool "
        "(skipped when they have one there). DEBUG only; run seed_demo and deploy_uniswap first."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_droid_demo only runs with DEBUG on: it spends the node's accounts.")
        users = {u.email: u for u in User.objects.filter(email__in=[DEMO_OPERATOR, DEMO_ADMIN])}
        if len(users) != 2:
            raise CommandError(f"The demo users ({DEMO_OPERATOR}, {DEMO_ADMIN}) are missing: run seed_demo first.")
        try:
            demo = seed_droid_demo(w3=chain_client(), user=users[DEMO_OPERATOR], admin=users[DEMO_ADMIN])
        except NODE_ERRORS as exc:
            raise CommandError(f"The chain node cannot be read: {describe_node_error(exc)}") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        verb = "created and started" if demo.created else "already there"
        self.stdout.write(f"  droid {demo.droid.id} of {DEMO_OPERATOR} on {demo.droid.pool}: {verb}")
