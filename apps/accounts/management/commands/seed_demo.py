from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Role
from apps.accounts.services.demo import ensure_demo_user

DEMO_USERS = [
    ("admin@example.com", "DEMO_ADMIN_PASSWORD", "admin-demo-pass-2026", Role.ADMIN),
    ("trader@example.com", "DEMO_TRADER_PASSWORD", "trader-demo-pass-2026", Role.OPERATOR),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo admin and trader, and print how to sign in. DEBUG only."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it sets known passwords.")
        self.stdout.write("Demo users (sign in at /login):")
        for email, variable, default, role in DEMO_USERS:
            password = os.environ.get(variable, default)
            ensure_demo_user(email=email, password=password, role=role)
            self.stdout.write(f"  {role:<8} {email}  password: {password}")
