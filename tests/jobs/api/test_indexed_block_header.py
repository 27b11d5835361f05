"""Every agent-jobs response says which block its data is as of, so a stale API shows it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from apps.indexer.models import ChainCursor, IndexedBlock
from apps.jobs.api import freshness
from apps.jobs.api.freshness import indexed_position
from apps.jobs.consumer import CURSOR_NAME
from tests.jobs.api.factories import JobFactory

pytestmark = pytest.mark.django_db

BLOCK_TIME = 1_700_000_000  # 2023-11-14T22:13:20Z


@pytest.fixture
def indexed_to_block_42():
    IndexedBlock.objects.create(number=42, hash="0x42", parent_hash="0x41", timestamp=BLOCK_TIME)
    ChainCursor.objects.create(name=CURSOR_NAME, block_number=42, block_hash="0x42")


@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/jobs/7", "/api/v1/jobs/7/events", "/api/v1/disputes/1"])
def test_job_reads_carry_the_indexed_block_and_its_time(api, indexed_to_block_42, path):
    JobFactory(job_id=7)

    response = api.get(path)

    assert response["X-Indexed-Block"] == "42"
    assert response["X-Indexed-At"] == "2023-11-14T22:13:20Z"


def test_an_error_of_the_jobs_api_carries_it_too(api, indexed_to_block_42):
    response = api.get("/api/v1/jobs/999")

    assert response.status_code == 404
    assert response["X-Indexed-Block"] == "42"


def test_the_header_follows_the_indexer(api, indexed_to_block_42):
    IndexedBlock.objects.create(number=50, hash="0x50", parent_hash="0x49", timestamp=BLOCK_TIME + 96)
    ChainCursor.objects.filter(name=CURSOR_NAME).update(block_number=50, block_hash="0x50")

    response = api.get("/api/v1/jobs")

    assert (response["X-Indexed-Block"], response["X-Indexed-At"]) == ("50", "2023-11-14T22:14:56Z")


def test_nothing_indexed_yet_means_no_header(api):
    response = api.get("/api/v1/jobs")

    assert response.status_code == 200
    assert "X-Indexed-Block" not in response


def test_the_schema_documents_the_headers_on_job_reads(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    for path in ("/api/v1/jobs", "/api/v1/jobs/{job_id}", "/api/v1/config"):
        headers = schema["paths"][path]["get"]["responses"]["200"]["headers"]
        assert headers["X-Indexed-Block"]["schema"]["type"] == "integer", path
        assert headers["X-Indexed-At"]["schema"]["format"] == "date-time", path


def test_the_position_is_read_once_a_second(api, indexed_to_block_42, monkeypatch, django_assert_num_queries):
    now = [100.0]
    monkeypatch.setattr(indexed_position, "clock", lambda: now[0])
    api.get("/api/v1/jobs/999")  # reads it
    IndexedBlock.objects.create(number=50, hash="0x50", parent_hash="0x49", timestamp=BLOCK_TIME + 96)
    ChainCursor.objects.filter(name=CURSOR_NAME).update(block_number=50, block_hash="0x50")

    now[0] += 0.9
    with django_assert_num_queries(1):  # the job's row only
        within = api.get("/api/v1/jobs/999")
    now[0] += 0.1
    after = api.get("/api/v1/jobs/999")

    assert within["X-Indexed-Block"] == "42"  # a second late at most: it is a lag indicator
    assert (after["X-Indexed-Block"], after["X-Indexed-At"]) == ("50", "2023-11-14T22:14:56Z")


def test_a_failed_read_of_the_position_is_not_kept(api, indexed_to_block_42, monkeypatch):
    calls = []

    def unreachable(name):
        calls.append(name)
        raise DatabaseError("gone")

    monkeypatch.setattr(freshness, "indexer_position", unreachable)
    assert "X-Indexed-Block" not in api.get("/api/v1/jobs/999")
    monkeypatch.undo()

    assert api.get("/api/v1/jobs/999")["X-Indexed-Block"] == "42"
    assert calls == [CURSOR_NAME]
