"""Who holds an agent NFT right now, read from AgentRegistry on the chain (never from a body)."""

from __future__ import annotations

from django.conf import settings
from web3 import Web3
from web3.exceptions import Web3Exception

from apps.indexer.rpc import chain_client
from apps.jobs.chain.artifacts import contract_at
from apps.jobs.selectors import deployed_contracts


class OwnershipUnavailable(Exception):
    """The chain could not be asked: no registry deployed on CHAIN_ID, or the node failed."""


def current_owner(agent_id: int) -> str | None:
    """The checksummed holder of agent `agent_id`, or None if the registry has no such agent."""
    contracts = deployed_contracts(chain_id=settings.CHAIN_ID)
    if not contracts:
        raise OwnershipUnavailable(f"the agent-jobs contracts are not deployed on chain {settings.CHAIN_ID}")
    registry = contract_at(chain_client(), "AgentRegistry", contracts["AgentRegistry"])
    try:
        # Asked first because ownerOf reverts for a missing agent, and how a revert surfaces
        # differs between transports.
        if not registry.functions.exists(agent_id).call():
            return None
        owner = registry.functions.ownerOf(agent_id).call()
    except (Web3Exception, OSError) as exc:  # requests' errors are OSErrors
        raise OwnershipUnavailable(str(exc)) from exc
    return Web3.to_checksum_address(owner)
