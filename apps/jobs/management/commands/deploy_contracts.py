from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.indexer.rpc import chain_client
from apps.jobs.chain.artifacts import contract_at
from apps.jobs.services import ensure_contracts_deployed


class Command(BaseCommand):
    help = (
        "Deploy the agent-jobs contracts to RPC_URL unless they are already there (idempotent). "
        "The node must sign for the deployer: a local anvil or a node with an unlocked account."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deployer", help="sender address (default: the node's first account)")

    def handle(self, *args, **options) -> None:
        w3 = chain_client()
        if not w3.is_connected():
            raise CommandError(f"No chain node answers at {settings.RPC_URL}.")
        if w3.eth.chain_id != settings.CHAIN_ID:
            raise CommandError(f"The node's chain id is {w3.eth.chain_id}, but CHAIN_ID is {settings.CHAIN_ID}.")
        deployer = options["deployer"] or w3.eth.accounts[0]
        addresses = ensure_contracts_deployed(
            w3=w3, deployer=deployer, treasury=deployer, arbiter=deployer, reporter=deployer
        )
        for name, address in addresses.items():
            self.stdout.write(f"  {name:<14} {address}")
        core = contract_at(w3, "ACPCore", addresses["ACPCore"]).functions
        # The Groth16 verifiers complete()/reject() call, deployed with ACPCore (chain/verifiers.py).
        self.stdout.write(f"  {'Groth16 CEX':<14} {core.cexCapitalVerifier().call()}")
        self.stdout.write(f"  {'Groth16 other':<14} {core.deliverableVerifier().call()}")
