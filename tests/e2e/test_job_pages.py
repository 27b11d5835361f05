"""The jobs explorer in a real browser: the list, a filter, and a click into a job."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from apps.jobs.models import JobStatus, StrategyType
from tests.e2e.conftest import save_screenshot
from tests.jobs.api.factories import USDC, AgentFactory, JobEventFactory, JobFactory, OfferFactory, SnapshotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_people_browse_the_jobs_and_open_one(chromium: Browser, live_server):
    provider = AgentFactory(agent_id=2, name="Provider")
    job = JobFactory(
        job_id=11,
        status=JobStatus.SUBMITTED,
        strategy_type=StrategyType.CEX_CAPITAL,
        provider=provider,
        cex_capital=Decimal(5000 * USDC),
        stop_loss_bps=500,
    )
    JobFactory(job_id=12, status=JobStatus.OPEN)
    for name, status in (("JobCreated", JobStatus.OPEN), ("JobSubmitted", JobStatus.SUBMITTED)):
        JobEventFactory(job=job, name=name, status_after=status)
    SnapshotFactory(job=job)
    OfferFactory(job=job, agent=provider)

    page = chromium.new_context().new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Jobs").click()
    expect(page).to_have_url(f"{live_server.url}/jobs")
    expect(page.locator("table.jobs tbody tr")).to_have_count(2)

    page.select_option("#f-status", "SUBMITTED")
    page.click("button:has-text('Filter')")
    expect(page).to_have_url(re.compile(r"status=SUBMITTED"))
    expect(page.locator("table.jobs tbody tr")).to_have_count(1)
    save_screenshot(page, "jobs-filtered")

    page.get_by_role("link", name="#11").click()
    expect(page).to_have_url(f"{live_server.url}/jobs/11")
    expect(page.get_by_role("heading", name=re.compile("Job #11"))).to_be_visible()
    expect(page.locator(".timeline-entry")).to_have_count(2)
    expect(page.locator(".timeline-entry").first).to_contain_text("JobCreated")
    expect(page.locator("#cex-config")).to_contain_text("5,000.000000 USDC")
    expect(page.locator("#snapshots tbody tr")).to_have_count(1)
    expect(page.locator("#offers")).to_contain_text("Provider")
    save_screenshot(page, "job-detail")
