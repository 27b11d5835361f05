"""Every paginated jobs read answers a page past the end with empty data, not an error (issue 8)."""

from __future__ import annotations

import pytest

from apps.jobs.models import StrategyType
from tests.jobs.api.factories import JobEventFactory, JobFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    job = JobFactory(job_id=77, strategy_type=StrategyType.CEX_CAPITAL)
    JobEventFactory(job=job, name="JobCreated")
    SnapshotFactory(job=job)
    return job


@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/jobs/77/events", "/api/v1/jobs/77/snapshots"])
def test_a_page_past_the_end_is_an_empty_page_with_the_pagination(api, job, path):
    response = api.get(path, {"page": 2, "limit": 1})
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "data": [], "pagination": {"page": 2, "limit": 1, "total": 1}}


def test_a_fetch_until_empty_loop_over_the_jobs_list_ends_cleanly(api):
    made = {JobFactory().job_id for _ in range(3)}
    fetched, page = set(), 1
    while data := api.get("/api/v1/jobs", {"page": page, "limit": 2}).json()["data"]:
        fetched |= {job["jobId"] for job in data}
        page += 1
    assert page == 3
    assert {int(job_id) for job_id in fetched} == made


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_a_page_that_is_not_a_positive_integer_is_still_a_400(api, page):
    response = api.get("/api/v1/jobs", {"page": page})
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "page must be a positive integer" in response.json()["error"]["message"]
