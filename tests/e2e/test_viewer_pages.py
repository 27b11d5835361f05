"""A viewer's pages in a real browser: what they may see, no usable write control, a line that
says why, and a forced post answered by the site's 403 page (in the layout, with navigation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import Role
from apps.accounts.permissions import VIEWER_MESSAGE
from apps.exchanges.models import ExchangeAccount
from apps.trades.models import RiskConfig
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import save_screenshot, sign_in
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a viewer's browser could still send: the page's own CSRF token, posted by hand.
FORCE_POST = """
([action, fields]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  for (const [name, value] of Object.entries({ csrfmiddlewaretoken: token, ...fields })) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}
"""
# Controls a person could use to change something: enabled, visible, not hidden fields.
USABLE_CONTROLS = "main :is(input:not([type=hidden]), select, textarea, button):enabled"


def signed_in_viewer(chromium: Browser, base: str) -> tuple[Page, ExchangeAccount]:
    viewer = UserFactory(role=Role.VIEWER)
    account = FundedPaperAccountFactory(user=viewer, label="Watched paper")
    page = chromium.new_context().new_page()
    sign_in(page, base, viewer.email, "/exchanges")
    return page, account


def expect_read_only(page: Page) -> None:
    expect(page.locator("main [data-read-only]")).to_have_text(VIEWER_MESSAGE)
    expect(page.locator(USABLE_CONTROLS)).to_have_count(0)


def test_a_viewer_sees_exchanges_and_risk_without_usable_controls(chromium: Browser, live_server):
    base = live_server.url
    page, account = signed_in_viewer(chromium, base)

    expect(page.locator(f'[data-account-id="{account.id}"]')).to_contain_text("Watched paper")
    expect(page.locator("#add-account")).to_have_count(0)
    expect_read_only(page)
    save_screenshot(page, "viewer-exchanges")

    page.click("text=Watched paper")
    expect(page.locator("#balances")).to_contain_text("USDT")
    expect_read_only(page)
    save_screenshot(page, "viewer-exchange-detail")

    page.click("nav >> text=Risk")
    expect(page.locator("input[name=max_leverage]")).to_be_disabled()
    expect(page.locator("input[name=max_leverage]")).to_have_value("5")
    expect(page.locator("button:has-text('Save')")).to_have_count(0)
    expect_read_only(page)
    save_screenshot(page, "viewer-risk")


def test_a_viewers_forced_post_answers_the_403_page_in_the_layout(chromium: Browser, live_server):
    base = live_server.url
    page, account = signed_in_viewer(chromium, base)

    page.evaluate(FORCE_POST, ["/exchanges", {"exchange_name": "paper", "label": "Sneaky"}])
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.locator("main")).to_contain_text(VIEWER_MESSAGE)
    nav = page.locator("nav[aria-label=Main]")
    expect(nav.get_by_role("link", name="Exchanges")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    save_screenshot(page, "viewer-forced-post-403")
    assert list(ExchangeAccount.objects.filter(user=account.user)) == [account]

    page.goto(f"{base}/risk")
    page.evaluate(FORCE_POST, ["/risk", {"max_leverage": "100"}])
    expect(page.locator("h1")).to_have_text("Not allowed")
    assert not RiskConfig.objects.filter(user=account.user).exists()

    page.get_by_role("link", name="Go to the desk").click()
    expect(page).to_have_url(f"{base}/trade")


def test_a_viewers_account_page_says_why_they_cannot_trade(chromium: Browser, live_server):
    base = live_server.url
    page, _account = signed_in_viewer(chromium, base)

    page.goto(f"{base}/account")
    expect(page.locator(".facts")).to_contain_text("VIEWER")
    expect(page.locator("main [data-read-only]")).to_have_text(VIEWER_MESSAGE)
    # What the page offers a viewer is theirs to use (tokens, sessions): no trading form.
    for action in page.locator("main form").evaluate_all("forms => forms.map(f => f.getAttribute('action'))"):
        assert action.startswith("/account/"), action
    save_screenshot(page, "viewer-account")
