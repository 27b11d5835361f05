"""The follower with its node gone: one line as the node goes down, one as it comes back, never a
traceback per run, and the state kept in the cursor row (the beat and workers restart)."""

from __future__ import annotations

import logging

import pytest
from web3 import HTTPProvider, Web3

from apps.indexer.models import ChainCursor
from apps.indexer.services import follow_chain
from tests.core.servers import LOOPBACK, free_port
from tests.indexer.conftest import CURSOR, ping

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_node():
    """A client of a node that is not there (nothing listens on the port)."""
    return Web3(HTTPProvider(f"http://{LOOPBACK}:{free_port()}", exception_retry_configuration=None))


def follow(w3):
    return follow_chain(w3=w3, cursor_name=CURSOR, batch_size=100, confirmations=0)


def indexer_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "apps.indexer.services"]


def test_a_dead_node_is_one_warning_however_many_runs_meet_it(dead_node, consumer, caplog):
    caplog.set_level(logging.INFO)

    results = [follow(dead_node) for _ in range(3)]

    assert {result.skipped for result in results} == {"chain node unreachable: connection refused or dropped"}
    lines = indexer_lines(caplog)
    assert [line.levelname for line in lines] == ["WARNING"]
    assert "Chain node unreachable (connection refused or dropped)" in lines[0].getMessage()
    assert not [record for record in caplog.records if record.exc_info]
    cursor = ChainCursor.objects.get(name=CURSOR)
    assert cursor.node_down_since is not None
    assert cursor.node_error == "connection refused or dropped"


def test_the_node_coming_back_is_one_line_and_indexing_resumes(chain, emitter, dead_node, consumer, caplog):
    ping(emitter, 1)
    follow(dead_node)
    caplog.clear()
    caplog.set_level(logging.INFO)

    follow(chain)
    follow(chain)

    lines = [line.getMessage() for line in indexer_lines(caplog)]
    assert len(lines) == 1 and "Chain node answers again" in lines[0], lines
    assert len(consumer.seen) == 1
    cursor = ChainCursor.objects.get(name=CURSOR)
    assert (cursor.node_down_since, cursor.node_error) == (None, "")
    assert cursor.checked_at is not None
