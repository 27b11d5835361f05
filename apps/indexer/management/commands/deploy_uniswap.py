from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.indexer.rpc import chain_client
from apps.indexer.uniswap import artifacts
from apps.indexer.uniswap.records import ensure_uniswap_deployed
from apps.jobs.selectors import deployed_contracts


class Command(BaseCommand):
    help = (
        "Deploy Uniswap v3 (factory, position manager, router), WETH9 and a WETH/USDC 0.3% pool with "
        "liquidity to RPC_URL unless they are already there (idempotent). The pool's USDC is the "
        "agent-jobs MockUSDC when deploy_contracts ran first. The node must sign for the deployer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deployer", help="sender address (default: the node's first account)")

    def handle(self, *args, **options) -> None:
        if not artifacts.installed():
            raise CommandError(f"The Uniswap v3 npm packages are not in {artifacts.NODE_MODULES}: run `npm ci`.")
        w3 = chain_client()
        if not w3.is_connected():
            raise CommandError(f"No chain node answers at {settings.RPC_URL}.")
        if w3.eth.chain_id != settings.CHAIN_ID:
            raise CommandError(f"The node's chain id is {w3.eth.chain_id}, but CHAIN_ID is {settings.CHAIN_ID}.")
        deployer = options["deployer"] or w3.eth.accounts[0]
        usdc = deployed_contracts(chain_id=w3.eth.chain_id).get("MockUSDC")
        uniswap, deployed = ensure_uniswap_deployed(w3=w3, deployer=deployer, usdc=usdc)
        if not deployed:
            self.stdout.write("  Uniswap v3 already on chain; nothing sent.")
        for name, address in asdict(uniswap).items():
            self.stdout.write(f"  {name:<17} {address}")
