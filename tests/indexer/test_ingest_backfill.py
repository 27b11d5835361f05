"""Backfilling in ranges: parallel workers on disjoint ranges, progress recorded, a failed range
re-run, the command that splits and enqueues, and the status the panel shows."""

from __future__ import annotations

import logging
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from web3 import HTTPProvider, Web3

from apps.indexer.ingest.backfill import create_backfill_ranges, run_backfill_range
from apps.indexer.ingest.follow import follow_head
from apps.indexer.ingest.status import indexer_status
from apps.indexer.models import BackfillRange, Block
from tests.core.servers import LOOPBACK, free_port
from tests.indexer.contracts.chain import (
    assert_index_equals_node,
    build_demo_chain,
    more_traffic,
    rpc_for,
    web3_for,
)

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_two_workers_backfill_disjoint_ranges_and_the_union_equals_the_node(node, caplog):
    caplog.set_level(logging.INFO)
    w3 = web3_for(node)
    more_traffic(build_demo_chain(w3), 10)
    head = w3.eth.block_number
    ranges = create_backfill_ranges(start=0, end=head, chunk=head // 2 + 1)
    assert len(ranges) == 2
    errors: list[BaseException] = []

    def work(range_id: int) -> None:
        try:
            run_backfill_range(range_id=range_id, rpc=rpc_for(node), w3=web3_for(node), batch_size=5)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(r.pk,)) for r in ranges]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert errors == []
    assert_index_equals_node(w3)
    for backfill in BackfillRange.objects.all():
        assert (backfill.state, backfill.next_block, backfill.error) == ("done", backfill.end_block + 1, "")
        assert backfill.blocks_per_second > 0
    lines = [r.getMessage() for r in caplog.records if r.name == "apps.indexer.ingest.backfill"]
    assert len(lines) == sum(-(-(r.end_block - r.start_block + 1) // 5) for r in ranges)  # one per batch
    assert all("blocks/s" in line and "transfers/s" in line for line in lines)


def test_a_failed_range_records_why_and_runs_again_to_the_end(node):
    w3 = web3_for(node)
    build_demo_chain(w3)
    head = w3.eth.block_number
    (backfill,) = create_backfill_ranges(start=0, end=head, chunk=head + 1)
    dead = f"http://{LOOPBACK}:{free_port()}"

    failed = run_backfill_range(
        range_id=backfill.pk,
        rpc=rpc_for(dead),
        w3=Web3(HTTPProvider(dead, exception_retry_configuration=None)),
        batch_size=4,
    )
    assert (failed.state, failed.error, failed.next_block) == ("failed", "connection refused or dropped", 0)
    assert not Block.objects.exists()

    again = run_backfill_range(range_id=backfill.pk, rpc=rpc_for(node), w3=w3, batch_size=4)
    assert (again.state, again.error, again.next_block) == ("done", "", head + 1)
    assert_index_equals_node(w3)


def test_a_done_range_is_not_run_again(node):
    w3 = web3_for(node)
    (backfill,) = create_backfill_ranges(start=0, end=0, chunk=1)
    run_backfill_range(range_id=backfill.pk, rpc=rpc_for(node), w3=w3, batch_size=4)
    Block.objects.all().delete()
    assert run_backfill_range(range_id=backfill.pk, rpc=rpc_for(node), w3=w3, batch_size=4).state == "done"
    assert not Block.objects.exists()


def test_the_command_splits_the_range_and_each_task_fills_its_part(
    node, rpc_url, settings, django_capture_on_commit_callbacks
):
    w3 = web3_for(node)
    build_demo_chain(w3)
    head = w3.eth.block_number
    rpc_url(node)
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the task runs where it is sent

    with django_capture_on_commit_callbacks(execute=True):
        call_command("backfill_chain", "--from", "0", "--to", str(head), "--chunk", "4")

    ranges = list(BackfillRange.objects.order_by("start_block"))
    assert [(r.start_block, r.end_block) for r in ranges] == [(s, min(head, s + 3)) for s in range(0, head + 1, 4)]
    assert {r.state for r in ranges} == {"done"}
    assert_index_equals_node(w3)


def test_the_command_refuses_a_backward_range():
    with pytest.raises(CommandError, match="start <= end"):
        call_command("backfill_chain", "--from", "10", "--to", "5")
    assert not BackfillRange.objects.exists()


def test_the_status_shows_the_tip_the_index_and_the_lag(node, rpc_url):
    w3 = web3_for(node)
    rpc_url(node)
    more_traffic(build_demo_chain(w3), 2)
    follow_head(rpc=rpc_for(node), w3=w3, batch_size=5, confirmations=0)
    create_backfill_ranges(start=0, end=9, chunk=10)

    status = indexer_status()

    tip = w3.eth.block_number
    assert (status["chain_tip"], status["last_indexed_block"], status["lag_blocks"]) == (tip, 4, tip - 4)
    assert status["last_indexed_timestamp"] == Block.objects.get(number=4).timestamp
    assert status["lag_seconds"] == w3.eth.get_block(tip)["timestamp"] - w3.eth.get_block(4)["timestamp"]
    assert [(r["start_block"], r["end_block"], r["state"], r["progress"]) for r in status["backfill"]] == [
        (0, 9, "pending", 0)
    ]


def test_the_status_with_the_node_down_says_so(rpc_url):
    rpc_url(f"http://{LOOPBACK}:{free_port()}")
    status = indexer_status()
    assert (status["chain_tip"], status["node_error"], status["lag_seconds"]) == (
        None,
        "connection refused or dropped",
        None,
    )
