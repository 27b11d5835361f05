"""Where the local Uniswap deployment is recorded: the agent-jobs ContractDeployment rows (one
mechanism for every contract deployed per chain), under names prefixed "uniswap:"."""

from __future__ import annotations

from django.db import transaction
from web3 import Web3

from apps.indexer.uniswap.deploy import UniswapAddresses, deploy_uniswap
from apps.jobs.models import ContractDeployment

PREFIX = "uniswap:"


def local_uniswap(w3: Web3) -> UniswapAddresses | None:
    """The Uniswap deployment recorded for the node's chain, or None if there is none.

    The droids reuse its pool and position manager; the prices derive their local route from it."""
    return recorded_uniswap(chain_id=w3.eth.chain_id)


def recorded_uniswap(*, chain_id: int) -> UniswapAddresses | None:
    rows = ContractDeployment.objects.filter(chain_id=chain_id, name__startswith=PREFIX)
    found = {name.removeprefix(PREFIX): address for name, address in rows.values_list("name", "address")}
    if set(found) != set(UniswapAddresses.field_names()):
        return None
    return UniswapAddresses(**{name: Web3.to_checksum_address(address) for name, address in found.items()})


def _live_on_chain(w3: Web3, uniswap: UniswapAddresses | None) -> bool:
    return uniswap is not None and all(w3.eth.get_code(getattr(uniswap, f)) for f in UniswapAddresses.field_names())


def ensure_uniswap_deployed(*, w3: Web3, deployer: str, usdc: str | None = None) -> tuple[UniswapAddresses, bool]:
    """The deployment on this chain and whether it was made now.

    Idempotent as the agent-jobs deployment is: a recorded deployment whose code is still on the
    chain is reused; a chain that lost it (a fresh local node) gets a new one, replacing the
    record. `usdc` as for deploy_uniswap."""
    chain_id = w3.eth.chain_id
    recorded = recorded_uniswap(chain_id=chain_id)
    if _live_on_chain(w3, recorded):
        return recorded, False
    first_block = w3.eth.block_number + 1
    uniswap = deploy_uniswap(w3, deployer=deployer, usdc=usdc)
    with transaction.atomic():
        ContractDeployment.objects.filter(chain_id=chain_id, name__startswith=PREFIX).delete()
        ContractDeployment.objects.bulk_create(
            ContractDeployment(
                chain_id=chain_id, name=f"{PREFIX}{name}", address=getattr(uniswap, name), block_number=first_block
            )
            for name in UniswapAddresses.field_names()
        )
    return uniswap, True
