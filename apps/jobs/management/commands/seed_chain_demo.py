from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.indexer.rpc import chain_client
from apps.jobs.chain.demo import seed_demo_chain
from apps.jobs.selectors import deployed_contracts


class Command(BaseCommand):
    help = (
        "Register demo agents and create demo jobs on the local chain through real transactions "
        "(skipped when the registry already has agents). DEBUG only; run deploy_contracts first."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_chain_demo only runs with DEBUG on: it spends the node's accounts.")
        w3 = chain_client()
        if not w3.is_connected():
            raise CommandError(f"No chain node answers at {settings.RPC_URL}.")
        contracts = deployed_contracts(chain_id=w3.eth.chain_id)
        if not contracts:
            raise CommandError(f"No agent-jobs deployment recorded for chain {w3.eth.chain_id}: run deploy_contracts.")
        accounts = w3.eth.accounts
        if len(accounts) < 5:
            raise CommandError("The node must sign for at least five accounts (a local anvil does).")
        summary = seed_demo_chain(w3, contracts, accounts=accounts)
        if summary.skipped:
            self.stdout.write("  Demo agents already on chain; nothing sent.")
            return
        for name, agent_id in summary.agents.items():
            self.stdout.write(f"  agent {agent_id:<3} {name}")
        for status, job_id in summary.jobs.items():
            self.stdout.write(f"  job   {job_id:<3} {status}")
