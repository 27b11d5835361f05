"""The chain explorer in a real browser, on a demo chain indexed from anvil: search by block,
hash and address, a transaction with its token transfers and USD values, an address's history,
the indexer's status; every page fits a phone (390 px) under the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.test_desk_trades import NO_PAGE_OVERFLOW, PHONE, STICKING_OUT
from tests.indexer.demo_chain import indexed_demo_chain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_chain(settings):
    with indexed_demo_chain(settings) as chain:
        yield chain


def assert_fits(page: Page) -> None:
    assert page.evaluate(NO_PAGE_OVERFLOW), page.evaluate(STICKING_OUT)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["390", "desktop"])
def test_a_visitor_searches_the_chain_and_follows_a_usdc_payment(chromium: Browser, live_server, demo_chain, viewport):
    w3, uniswap, demo = demo_chain
    hashes = dict(demo.transactions)
    suffix = "390" if viewport == PHONE else "desktop"
    page = chromium.new_context(viewport=viewport).new_page()

    page.goto(f"{live_server.url}/chain")
    expect(page.locator("#position")).to_contain_text(f"block {w3.eth.block_number}")
    expect(page.locator("#latest-blocks tbody tr")).to_have_count(10)
    assert_fits(page)
    save_screenshot(page, f"chain-home-{suffix}")

    page.fill("#chain-q", hashes["250 USDC 6 -> 7"].upper().replace("0X", "0x"))
    page.click(".chain-search button")
    expect(page).to_have_url(re.compile(r"/chain/tx/0x[0-9a-f]{64}$"))
    expect(page.locator("h1")).to_contain_text("success")
    transfers = page.locator("#transfers tbody tr")
    expect(transfers).to_have_count(1)
    expect(transfers.first).to_contain_text("250.00 USDC")
    expect(transfers.first).to_contain_text("250.00 USD")
    expect(page.locator("#summary")).to_contain_text("uniswap_v3 pool at this block")
    assert_fits(page)
    save_screenshot(page, f"chain-transaction-{suffix}")

    page.locator("#transfers tbody tr a").nth(2).click()  # the receiver
    expect(page.locator("h1")).to_have_text("Address")
    expect(page.locator("#token-transfers tbody tr").first).to_contain_text("in")
    assert_fits(page)
    save_screenshot(page, f"chain-address-{suffix}")

    page.goto(f"{live_server.url}/chain/address/{uniswap.usdc}")
    expect(page.locator("#token")).to_contain_text("6")
    page.goto(f"{live_server.url}/chain/status")
    expect(page.locator("#backfills")).to_contain_text("No backfill has run")
    assert_fits(page)
    save_screenshot(page, f"chain-status-{suffix}")


def test_a_search_for_nothing_says_what_search_takes(chromium: Browser, live_server):
    page = chromium.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/chain/search?q=vitalik")
    expect(page.locator("#not-found")).to_contain_text("Search takes an address")
    assert_fits(page)
    save_screenshot(page, "chain-search-nothing-390")
