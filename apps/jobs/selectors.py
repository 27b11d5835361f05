from __future__ import annotations

from apps.jobs.chain.artifacts import CONTRACT_NAMES
from apps.jobs.models import ContractDeployment


def deployed_contracts(*, chain_id: int) -> dict[str, str]:
    """`{name: address}` of the contracts deployed on `chain_id`; empty until all are."""
    found = dict(ContractDeployment.objects.filter(chain_id=chain_id).values_list("name", "address"))
    return found if set(found) >= set(CONTRACT_NAMES) else {}
