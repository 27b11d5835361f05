from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.droids.services import register_local_pool
from apps.indexer.rpc import NODE_ERRORS, chain_client, describe_node_error


class Command(BaseCommand):
    help = "Record the local Uniswap deployment's pool (RPC_URL's chain) as a pool droids may use; idempotent."

    def handle(self, *args, **options):
        try:
            pool = register_local_pool(w3=chain_client())
        except NODE_ERRORS as exc:
            raise CommandError(f"The chain node cannot be read: {describe_node_error(exc)}") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"pool {pool.id}: {pool}")
