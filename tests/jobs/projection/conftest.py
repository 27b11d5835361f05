"""The seeded eth-tester chain (tests/jobs/conftest.py) with its deployment recorded for the
chain's id, so the "aacp" consumer follows it, and a helper that indexes until caught up."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.indexer.services import follow_chain
from apps.jobs.consumer import CURSOR_NAME
from apps.jobs.models import ContractDeployment
from tests.jobs.conftest import CONTRACT_FIELDS, Chain


@pytest.fixture
def index(chain: Chain, settings, db) -> Callable[[], None]:
    settings.CHAIN_ID = chain.w3.eth.chain_id
    ContractDeployment.objects.bulk_create(
        ContractDeployment(chain_id=settings.CHAIN_ID, name=name, address=getattr(chain, field).address, block_number=0)
        for field, name in CONTRACT_FIELDS.items()
    )

    def run() -> None:
        """Follow the chain (rolling back reorgs on the way) until the cursor is at its head."""
        for _ in range(100):
            result = follow_chain(w3=chain.w3, cursor_name=CURSOR_NAME, batch_size=50, confirmations=0)
            if result.skipped == "no confirmed block to index":
                return
        raise AssertionError("the follower did not catch up")

    return run
