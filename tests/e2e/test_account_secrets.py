"""A trader makes an API token, reloads, and still holds a working token; what cannot be undone
(replacing or revoking the token, signing out everywhere) is asked about first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import ApiToken, AuthSession
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(chromium: Browser, base: str, email: str) -> Page:
    page = chromium.new_context().new_page()
    sign_in(page, base, email, "/account")
    return page


def test_reloading_after_creating_a_token_keeps_the_token_that_was_shown(chromium: Browser, live_server):
    base = live_server.url
    trader = UserFactory()
    page = signed_in(chromium, base, trader.email)

    page.click("text=Create token")
    expect(page).to_have_url(f"{base}/account#api-token-section")
    token = page.locator("#api-token").inner_text()
    assert re.fullmatch(r"hc_live_\S+", token)
    save_screenshot(page, "account-token-shown-once")

    page.reload()
    expect(page.locator("#api-token")).to_have_count(0)
    expect(page.locator("#api-token-prefix")).to_be_visible()
    assert ApiToken.objects.filter(user=trader).count() == 1
    me = page.request.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200 and me.json()["email"] == trader.email
    save_screenshot(page, "account-after-reload")


def test_destructive_account_actions_say_what_will_happen_before_they_happen(chromium: Browser, live_server):
    base = live_server.url
    trader = UserFactory()
    page = signed_in(chromium, base, trader.email)
    page.click("text=Create token")

    page.click("#revoke-api-token")
    expect(page.locator("h1")).to_have_text("Revoke your API token?")
    expect(page.locator(".consequences")).to_contain_text("scripts using it get 401")
    save_screenshot(page, "account-confirm-revoke-token")
    page.click("text=Keep things as they are")
    expect(page).to_have_url(f"{base}/account")
    assert ApiToken.objects.filter(user=trader).exists()

    page.click("#revoke-all-sessions")
    expect(page.locator("h1")).to_have_text("Sign out everywhere?")
    expect(page.locator(".consequences")).to_contain_text("this browser, ends at once")
    save_screenshot(page, "account-confirm-sign-out-everywhere")
    page.click("text=Keep things as they are")
    assert AuthSession.objects.filter(user=trader, revoked_at__isnull=True).exists()

    page.click("#revoke-all-sessions")
    page.click("button:has-text('Sign out everywhere')")
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator(".messages")).to_contain_text("Signed out everywhere")
    assert not AuthSession.objects.filter(user=trader, revoked_at__isnull=True).exists()
