"""The Content-Security-Policy in a real browser: chromium enforces it, the suite notices a
refusal, and the pages that carry third-party code (the API docs, the admin) work under it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from apps.accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import SCREENSHOTS, CspWatch, save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECT_INLINE_SCRIPT = """
() => {
  const script = document.createElement("script");
  script.textContent = "window.inlineRan = true";
  document.body.append(script);
  const style = document.createElement("style");
  style.textContent = "body { background: red }";
  document.head.append(style);
}
"""


def test_the_browser_refuses_inline_code_and_the_suite_notices(browser_and_csp: tuple[Browser, CspWatch], live_server):
    browser, csp = browser_and_csp
    page = browser.new_page()
    page.goto(f"{live_server.url}/login")
    page.evaluate(INJECT_INLINE_SCRIPT)
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan") is None
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert any("script-src" in refusal for refusal in csp.refusals), csp.refusals
    assert any("style-src" in refusal for refusal in csp.refusals), csp.refusals


def test_swagger_ui_renders_the_api_under_the_policy(chromium: Browser, live_server):
    page = chromium.new_page()
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("HavenCap")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    save_screenshot(page, "csp-swagger-ui")


def test_redoc_renders_the_api_under_the_policy(browser_and_csp: tuple[Browser, CspWatch], live_server):
    browser, csp = browser_and_csp
    page = browser.new_page()
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.locator("h1").first).to_contain_text("HavenCap", timeout=20_000)
    page.get_by_role("textbox", name="Search").fill("trades")
    # The search index is built in the background over the whole schema: seconds on a busy machine.
    expect(page.locator("[data-role='search:results'], .search-results, [role='search'] li").first).to_be_visible(
        timeout=20_000
    )
    page.screenshot(path=SCREENSHOTS / "csp-redoc.png")  # the first screen: the whole page is metres long
    # Redoc's footer links to Redocly with a logo from their CDN; the policy keeps it out (the
    # link's text stays). Nothing else may be refused.
    assert [r for r in csp.refusals if "cdn.redoc.ly/redoc/logo-mini.svg" not in r] == []


def test_the_admin_schedule_form_explains_a_crontab_under_the_policy(chromium: Browser, live_server):
    from django_celery_beat.models import CrontabSchedule

    crontab = CrontabSchedule.objects.create(minute="15", hour="3")
    boss = UserFactory(email="boss@example.com", role=Role.ADMIN)
    page = chromium.new_page()
    sign_in(page, live_server.url, boss.email, "/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", str(crontab.id))
    expect(page.locator(".field-crontab .help")).to_contain_text("Translation:")
    save_screenshot(page, "csp-admin-periodic-task")
