"""`enqueue_on_commit`: a task sent after commit to a broker that is down does not turn the
committed write into an error; one warning names the task and the sweep that sends it again."""

from __future__ import annotations

import logging

import pytest
from celery import Celery

from apps.core.tasks import enqueue_on_commit
from tests.core.servers import LOOPBACK, free_port


@pytest.fixture
def unreachable_broker():
    """A Celery app whose broker is a closed port on this machine: a real refused connection."""
    app = Celery("no-broker", set_as_current=False)
    app.conf.broker_url = f"redis://{LOOPBACK}:{free_port()}/0"
    app.conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    yield app
    app.close()


@pytest.mark.django_db
def test_a_broker_outage_after_commit_is_one_warning_not_an_error(
    unreachable_broker, django_capture_on_commit_callbacks, caplog
):
    @unreachable_broker.task(name="tests.import_history")
    def import_history(import_id: str) -> None: ...

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(import_history, args=["42"], recovered_by="resume-history-imports")

    [line] = [r for r in caplog.records if r.name == "apps.core.tasks"]
    assert line.levelno == logging.WARNING
    assert "tests.import_history('42',) not sent" in line.getMessage()
    assert "resume-history-imports sends it again" in line.getMessage()
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(unreachable_broker, django_capture_on_commit_callbacks):
    @unreachable_broker.task(name="tests.never")
    def never() -> None: ...

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(never, args=[], recovered_by="nothing")
    assert len(callbacks) == 1  # held for the commit, not sent inside the transaction
