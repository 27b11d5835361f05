from __future__ import annotations

from django.db import transaction
from web3 import Web3

from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.chain.deploy import deploy_contracts
from apps.jobs.models import ContractDeployment
from apps.jobs.selectors import deployed_contracts


def _live_on_chain(w3: Web3, addresses: dict[str, str]) -> bool:
    return bool(addresses) and all(w3.eth.get_code(Web3.to_checksum_address(a)) for a in addresses.values())


def ensure_contracts_deployed(*, w3: Web3, deployer: str, treasury: str, arbiter: str, reporter: str) -> dict[str, str]:
    """The contracts' addresses on this chain, deploying them first if they are not there.

    Idempotent: a recorded deployment whose code is still on the chain is reused; a chain that
    lost it (a fresh local node) gets a new deployment, which replaces the record."""
    chain_id = w3.eth.chain_id
    recorded = deployed_contracts(chain_id=chain_id)
    if _live_on_chain(w3, recorded):
        return recorded
    first_block = w3.eth.block_number + 1  # the follower need not read anything older
    addresses = deploy_contracts(w3, deployer=deployer, treasury=treasury, arbiter=arbiter, reporter=reporter)
    with transaction.atomic():
        ContractDeployment.objects.filter(chain_id=chain_id, name__in=CONTRACT_NAMES).delete()
        ContractDeployment.objects.bulk_create(
            ContractDeployment(chain_id=chain_id, name=name, address=address, block_number=first_block)
            for name, address in addresses.items()
        )
    return dict(addresses)
