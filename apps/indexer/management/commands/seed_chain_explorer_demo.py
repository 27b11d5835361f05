from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.indexer.rpc import chain_client
from apps.indexer.uniswap.demo import DEMO_ACCOUNTS, seed_explorer_demo
from apps.indexer.uniswap.records import local_uniswap


class Command(BaseCommand):
    help = (
        "Send demo ether and USDC transfers and swaps on the local WETH/USDC pool through real "
        "transactions (skipped once sent). DEBUG only; run deploy_uniswap first."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_chain_explorer_demo only runs with DEBUG on: it spends the node's accounts.")
        w3 = chain_client()
        if not w3.is_connected():
            raise CommandError(f"No chain node answers at {settings.RPC_URL}.")
        uniswap = local_uniswap(w3)
        if uniswap is None:
            raise CommandError(f"No Uniswap deployment recorded for chain {w3.eth.chain_id}: run deploy_uniswap.")
        accounts = w3.eth.accounts
        if len(accounts) <= max(DEMO_ACCOUNTS):
            raise CommandError(
                f"The node must sign for at least {max(DEMO_ACCOUNTS) + 1} accounts (a local anvil does)."
            )
        summary = seed_explorer_demo(w3, uniswap, accounts=accounts)
        if summary.skipped:
            self.stdout.write("  Explorer demo already on chain; nothing sent.")
            return
        for what, tx_hash in summary.transactions:
            self.stdout.write(f"  {tx_hash} {what}")
