"""The account pages in a real browser: sign-up, approval, sign-in by email and by wallet."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import Status, User
from tests.accounts.factories import PASSWORD, UserFactory, wallet
from tests.e2e.conftest import register, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What MetaMask offers a page, reduced to the calls the sign-in makes. It hands out the
# address in lower case, as MetaMask does, so the page's own EIP-55 checksum is exercised.
FAKE_WALLET = """
(() => {
  const address = %s;
  window.ethereum = {
    isMetaMask: true,
    async request({ method, params }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
      if (method === "eth_chainId") return "0x7a69";
      if (method === "personal_sign") return window.walletSign(params[0]);
      throw Object.assign(new Error("unsupported: " + method), { code: 4200 });
    },
  };
})();
"""


def connect_fake_wallet(page: Page, account: Account) -> None:
    """Give the page a wallet whose personal_sign really signs, with the account's key."""

    def personal_sign(hex_message: str) -> str:
        text = bytes.fromhex(hex_message.removeprefix("0x")).decode()
        return "0x" + Account.sign_message(encode_defunct(text=text), account.key).signature.hex().removeprefix("0x")

    page.expose_function("walletSign", personal_sign)
    page.add_init_script(FAKE_WALLET % json.dumps(account.address.lower()))


def test_people_register_get_approved_and_manage_their_account(chromium: Browser, live_server):
    base = live_server.url
    assert urlsplit(base).hostname == "localhost"
    admin = chromium.new_context().new_page()
    trader = chromium.new_context().new_page()

    register(admin, base, "first@example.com")
    expect(admin).to_have_url(f"{base}/account")
    expect(admin.locator(".facts")).to_contain_text("ADMIN")
    # The auth cookies are Secure; Chromium keeps them on http://localhost (a secure context).
    cookies = {c["name"]: c for c in admin.context.cookies()}
    assert cookies["auth_token"]["secure"] and cookies["refresh_token"]["secure"]

    register(trader, base, "second@example.com")
    expect(trader).to_have_url(f"{base}/pending")
    expect(trader.locator("h1")).to_have_text("Waiting for approval")

    admin.click("nav >> text=Admin")
    expect(admin).to_have_url(f"{base}/admin/")
    admin.get_by_role("link", name="Users", exact=True).click()
    expect(admin).to_have_url(f"{base}/admin/accounts/user/")
    admin.locator("tr", has_text="second@example.com").locator("input.action-select").check()
    admin.select_option("select[name=action]", "approve_as_operator")
    admin.click("button[name=index]")
    expect(admin.locator(".messagelist")).to_contain_text("Approved 1 user(s)")
    assert User.objects.get(email="second@example.com").status == Status.ACTIVE

    trader.goto(f"{base}/login")
    trader.fill("input[name=email]", "second@example.com")
    trader.fill("input[name=password]", PASSWORD)
    trader.click("form button:has-text('Sign in')")
    # A trader signs in to the desk.
    expect(trader).to_have_url(f"{base}/trade")
    trader.goto(f"{base}/account")
    expect(trader.locator(".facts")).to_contain_text("second@example.com")
    expect(trader.locator(".facts")).to_contain_text("OPERATOR")
    expect(trader.locator("nav")).not_to_contain_text("Admin")

    trader.click("text=Create token")
    expect(trader.locator("#api-token")).to_have_text(re.compile(r"^hc_live_\S+$"))
    trader.click("text=Generate pairing code")
    expect(trader.locator("#pairing-code")).to_have_text(re.compile(r"^\d{6}$"))
    expect(trader.locator("#api-token")).to_have_count(0)
    # Kept for a person to look at after a run: the fullest state of the account page.
    save_screenshot(trader, "account")

    trader.click("nav >> text=Sign out")
    expect(trader).to_have_url(f"{base}/login")
    trader.goto(f"{base}/account")
    expect(trader).to_have_url(re.compile(r"/login\?next=%2Faccount$"))


def test_a_wallet_owner_signs_in_with_ethereum(chromium: Browser, live_server, settings):
    base = live_server.url
    settings.SIWE_DOMAINS = [urlsplit(base).netloc]
    account = wallet()
    UserFactory(email=None, wallet_address=account.address)

    page = chromium.new_page()
    connect_fake_wallet(page, account)
    page.goto(f"{base}/login?next=/account")
    page.click("#siwe-button")
    expect(page).to_have_url(f"{base}/account")
    expect(page.locator("#wallet-address")).to_have_text(account.address)
    expect(page.locator("tbody")).to_contain_text("siwe")
    save_screenshot(page, "account-signed-in-with-ethereum")


def test_a_pending_wallet_owner_is_sent_to_the_pending_page(chromium: Browser, live_server, settings):
    base = live_server.url
    settings.SIWE_DOMAINS = [urlsplit(base).netloc]
    UserFactory(role="ADMIN")  # so the new wallet is not the first account
    account = wallet()

    page = chromium.new_page()
    connect_fake_wallet(page, account)
    page.goto(f"{base}/login")
    page.click("#siwe-button")
    expect(page).to_have_url(f"{base}/pending")
    assert User.objects.get(wallet_address=account.address).status == Status.PENDING
    save_screenshot(page, "pending-wallet-owner")


def test_the_wallet_button_explains_when_there_is_no_wallet(chromium: Browser, live_server):
    page = chromium.new_page()
    page.goto(f"{live_server.url}/login")
    page.click("#siwe-button")
    expect(page.locator("#siwe-status")).to_contain_text("No browser wallet found")
    save_screenshot(page, "login-no-wallet")


def test_the_page_checksums_addresses_like_eth_utils(chromium: Browser, live_server):
    page = chromium.new_page()
    page.goto(f"{live_server.url}/login")
    addresses = [wallet().address for _ in range(10)]
    computed = page.evaluate(
        "(list) => list.map((a) => window.HavenCapSiwe.toChecksumAddress(a.toLowerCase()))", addresses
    )
    assert computed == addresses
    save_screenshot(page, "login")
