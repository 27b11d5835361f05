"""The chain follower on an in-process chain: batches, confirmations, reorgs, one runner."""

import threading

import pytest
from django.db import connection

from apps.indexer.models import ChainCursor, ChainLog, IndexedBlock
from apps.indexer.services import follow_chain
from tests.indexer.conftest import CURSOR, ping

pytestmark = pytest.mark.django_db


def follow(chain, *, batch_size=100, confirmations=0):
    return follow_chain(w3=chain, cursor_name=CURSOR, batch_size=batch_size, confirmations=confirmations)


def ping_values() -> list[int]:
    return [int(log.topics[1], 16) for log in ChainLog.objects.order_by("block_number", "log_index")]


def test_it_indexes_the_followed_contracts_logs_in_chain_order(chain, emitter, consumer):
    for n in (1, 2, 3):
        ping(emitter, n)
    result = follow(chain)
    assert result.logs == 3
    assert ping_values() == [1, 2, 3]
    assert len(consumer.seen) == 3
    cursor = ChainCursor.objects.get(name=CURSOR)
    assert cursor.block_number == chain.eth.block_number
    assert cursor.block_hash == IndexedBlock.objects.get(number=cursor.block_number).hash


def test_it_works_through_the_chain_in_batches_from_its_cursor(chain, emitter, consumer):
    blocks = [ping(emitter, n) for n in range(1, 7)]
    first = follow(chain, batch_size=3)
    assert (first.from_block, first.to_block) == (0, 2)
    while follow(chain, batch_size=3).to_block is not None:
        pass
    assert ping_values() == [1, 2, 3, 4, 5, 6]
    assert ChainCursor.objects.get(name=CURSOR).block_number == blocks[-1]


def test_it_waits_for_confirmations(chain, emitter, consumer):
    ping(emitter, 1)
    last = ping(emitter, 2)
    follow(chain, confirmations=1)
    assert ping_values() == [1]
    assert ChainCursor.objects.get(name=CURSOR).block_number == last - 1
    chain.testing.mine(1)
    follow(chain, confirmations=1)
    assert ping_values() == [1, 2]


def test_running_it_again_indexes_nothing_twice(chain, emitter, consumer):
    ping(emitter, 1)
    follow(chain)
    again = follow(chain)
    assert again.skipped == "no confirmed block to index"
    assert ChainLog.objects.count() == 1


def test_a_reorg_removes_the_rows_above_the_fork_and_indexes_the_new_branch(chain, emitter, consumer):
    ping(emitter, 1)
    fork_block = ping(emitter, 2)
    snapshot = chain.testing.snapshot()
    ping(emitter, 3)
    ping(emitter, 4)
    follow(chain)
    assert ping_values() == [1, 2, 3, 4]

    chain.testing.revert(snapshot)  # the old branch is gone; a different one takes its place
    ping(emitter, 30)
    ping(emitter, 40)
    ping(emitter, 50)

    rolled = follow(chain)
    assert rolled.rolled_back_to == fork_block
    assert ping_values() == [1, 2]
    assert max(consumer.seen.values()) == fork_block
    assert not IndexedBlock.objects.filter(number__gt=fork_block).exists()

    follow(chain)
    assert ping_values() == [1, 2, 30, 40, 50]
    assert len(consumer.seen) == 5


def test_a_reorg_below_everything_it_stored_starts_over(chain, emitter, consumer):
    snapshot = chain.testing.snapshot()
    ping(emitter, 1)
    follow(chain)
    chain.testing.revert(snapshot)
    ping(emitter, 9)
    chain.testing.mine(2)
    assert follow(chain).rolled_back_to is not None
    while follow(chain).to_block is not None:
        pass
    assert ping_values() == [9]


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_store_each_log_once(chain, emitter, consumer):
    for n in range(1, 21):
        ping(emitter, n)
    errors: list[BaseException] = []

    def run():
        try:
            while follow(chain, batch_size=4).to_block is not None:
                pass
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=60)
    assert errors == []
    while follow(chain, batch_size=4).to_block is not None:
        pass
    assert ping_values() == list(range(1, 21))
