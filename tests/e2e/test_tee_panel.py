"""A CEX_CAPITAL job's page in a real browser, with the dev TEE gateway running as its own process:
the TEE card shows the task's live status and the snapshot history is drawn as a chart, on a
phone (390 px) and a desktop, under the Content-Security-Policy."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from tests.core.servers import free_port
from tests.e2e.conftest import save_screenshot
from tests.e2e.test_desk_trades import NO_PAGE_OVERFLOW, PHONE, STICKING_OUT
from tests.e2e.test_journal_pages import CANVAS_SIZE
from tests.jobs.api.factories import T0, SnapshotFactory
from tests.tee.gateway import dev_gateway
from tests.tee.test_job_panel import cex_job, fill, start_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cex_capital_jobs_page_shows_the_tee_status_and_the_snapshot_chart(
    chromium: Browser, live_server, settings, tmp_path
):
    with dev_gateway(tmp_path / "state") as gateway:
        settings.TEE_GATEWAY_URL = gateway.url
        job = cex_job()
        start_task(gateway, job)
        fill(gateway, job)
        fill(gateway, job, symbol="ETH/USDT", quantity="0.5", price="3200", nonce="2")
        for hours, value in ((0, 10_000_000_000), (4, 10_120_250_000), (8, 9_980_000_000), (12, 10_310_000_000)):
            SnapshotFactory(job=job, snapshot_ts=T0 + timedelta(hours=hours), reported_value=Decimal(value))

        page = chromium.new_context(viewport=PHONE).new_page()
        page.goto(f"{live_server.url}/jobs/{job.job_id}")

        card = page.locator("#tee")
        expect(card.locator("#tee-state")).to_contain_text("running")
        expect(card).to_contain_text("7,750.00 USDT")
        expect(card.locator("#tee-verification")).to_contain_text("valid")
        expect(card.locator("#tee-attestation")).to_have_text("dev: no hardware quote")
        expect(card.locator("#tee-positions tbody tr")).to_have_count(2)
        chart = page.locator("[data-snapshot-chart]")
        expect(chart).to_have_attribute("data-drawn", "4")
        assert page.evaluate(CANVAS_SIZE, "[data-snapshot-chart]") > 10_000
        expect(page.locator("#snapshots")).to_contain_text("Reported value (USDC)")
        expect(page.locator("#snapshots tbody tr")).to_have_count(4)
        assert page.evaluate(NO_PAGE_OVERFLOW), page.evaluate(STICKING_OUT)
        page.locator("#tee").scroll_into_view_if_needed()
        save_screenshot(page, "job-tee-panel-390")

        page.set_viewport_size({"width": 1280, "height": 900})
        expect(chart).to_have_attribute("data-drawn", "4")
        # The chart follows its box's width on the next animation frames: wait for it, not one read.
        page.wait_for_function(f"(selector) => ({CANVAS_SIZE})(selector) > 100000", arg="[data-snapshot-chart]")
        save_screenshot(page, "job-tee-panel-1280")


def test_a_job_without_snapshots_and_an_unreachable_gateway_says_both_plainly(chromium: Browser, live_server, settings):
    settings.TEE_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"
    job = cex_job()

    page = chromium.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/jobs/{job.job_id}")

    expect(page.locator("#tee-message")).to_have_text(re.compile(r"^TEE gateway unreachable"))
    expect(page.locator("#snapshot-chart-empty")).to_contain_text("No snapshots yet")
    assert page.evaluate(NO_PAGE_OVERFLOW), page.evaluate(STICKING_OUT)
    save_screenshot(page, "job-tee-panel-empty-390")
