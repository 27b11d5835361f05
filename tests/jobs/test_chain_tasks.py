"""The beat's chain tasks through a node outage: the real node client, a node that is not there,
then a real node (anvil) answering on RPC_URL again."""

from __future__ import annotations

import logging

import pytest

from apps.indexer.models import ChainCursor
from apps.indexer.rpc import chain_client
from apps.jobs.consumer import CURSOR_NAME
from apps.jobs.models import ContractDeployment
from apps.jobs.tasks import expire_overdue_jobs, index_chain
from scripts.local_chain import ANVIL, anvil_node
from tests.conftest import require_binary
from tests.core.servers import LOOPBACK, free_port
from tests.jobs.conftest import CONTRACT_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployed(settings):
    """Deployments recorded at block 0 (anvil has none of these contracts: their logs are none)."""
    settings.CHAIN_ID = 31337
    ContractDeployment.objects.bulk_create(
        ContractDeployment(chain_id=31337, name=name, address=f"0x{n:040x}", block_number=0)
        for n, name in enumerate(CONTRACT_FIELDS.values(), start=1)
    )


@pytest.fixture
def rpc_url(settings):
    """Sets RPC_URL for the task's node client, which is built once per process."""

    def point_at(url: str) -> None:
        settings.RPC_URL = url
        chain_client.cache_clear()

    yield point_at
    chain_client.cache_clear()


def test_a_node_outage_logs_one_line_as_it_starts_and_one_as_it_ends(deployed, rpc_url, caplog):
    binary = require_binary("anvil", str(ANVIL))
    caplog.set_level(logging.INFO)
    port = free_port()
    rpc_url(f"http://{LOOPBACK}:{port}")

    assert index_chain() == {"skipped": "chain node unreachable: connection refused or dropped"}
    assert index_chain() == {"skipped": "chain node unreachable: connection refused or dropped"}

    with anvil_node(binary=binary, port=port, wait=30):
        first = index_chain()
        index_chain()

    assert first["from_block"] == 0
    assert ChainCursor.objects.get(name=CURSOR_NAME).node_down_since is None
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2, lines
    assert (
        lines[0]
        == "Chain node unreachable (connection refused or dropped): aacp stays before its first block until it answers."
    )
    assert lines[1].startswith("Chain node answers again after")
    assert not [r for r in caplog.records if r.exc_info]


def test_expiring_jobs_with_the_node_down_is_one_line_and_no_traceback(deployed, rpc_url, caplog):
    caplog.set_level(logging.INFO)
    rpc_url(f"http://{LOOPBACK}:{free_port()}")

    assert expire_overdue_jobs() == []

    assert [r.getMessage() for r in caplog.records if r.name == "apps.jobs.tasks"] == [
        "Overdue jobs not expired this run: chain node unreachable (connection refused or dropped)."
    ]
    assert not [r for r in caplog.records if r.exc_info]
