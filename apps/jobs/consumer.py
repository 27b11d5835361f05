"""The follower's consumer for the agent-jobs contracts (cursor "aacp")."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Min
from web3 import Web3

from apps.indexer.consumers import LogConsumer
from apps.indexer.models import ChainLog
from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment
from apps.jobs.projection.apply import apply_logs
from apps.jobs.projection.rollback import rollback_projection
from apps.jobs.selectors import deployed_contracts

CURSOR_NAME = "aacp"


def _contract_by_address() -> dict[str, str]:
    return {Web3.to_checksum_address(a): name for name, a in deployed_contracts(chain_id=settings.CHAIN_ID).items()}


def _addresses() -> list[str]:
    return list(deployed_contracts(chain_id=settings.CHAIN_ID).values())


def _apply(logs: list[ChainLog]) -> None:
    apply_logs(logs=logs, contract_by_address=_contract_by_address())


def _rollback(fork_block: int) -> None:
    rollback_projection(fork_block=fork_block, contract_by_address=_contract_by_address())


aacp_consumer = LogConsumer(addresses=_addresses, apply=_apply, rollback=_rollback)


def first_deployment_block() -> int | None:
    """The block the follower starts from: the contracts' deployment; None while undeployed."""
    if not deployed_contracts(chain_id=settings.CHAIN_ID):
        return None
    rows = ContractDeployment.objects.filter(chain_id=settings.CHAIN_ID, name__in=CONTRACT_NAMES)
    return rows.aggregate(first=Min("block_number"))["first"]
