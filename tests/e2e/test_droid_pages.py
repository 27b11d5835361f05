"""A droid driven from its pages in a real browser, on anvil with the local Uniswap v3 deployment:
an operator creates one on the form (its funding checked against the wallet on the chain),
gets a bad value explained, configures it, starts it, and after the engine's runs (real
mints on the pool, swaps between them) sees its ladder against the pool price and its history
chart; every page fits a phone (390 px) under the Content-Security-Policy."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from eth_account import Account
from playwright.sync_api import Browser, Page, expect
from redis import Redis

from apps.droids.engine.closing import close_droid_positions
from apps.droids.engine.run import run_droid
from apps.droids.ladder import price_for_sqrt
from apps.droids.models import Droid, DroidActive, DroidBot, RunOutcome
from apps.droids.pricing import price_unit, trader_price
from apps.droids.services import create_droid_account, register_local_pool
from apps.indexer.uniswap.deploy import contract
from tests.accounts.factories import UserFactory
from tests.droids.engine_support import ETHER, USDC, local_pool_fixture  # noqa: F401
from tests.e2e.conftest import save_screenshot, sign_in
from tests.e2e.test_desk_trades import NO_PAGE_OVERFLOW, PHONE, STICKING_OUT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
CANVAS_SIZE = """(selector) => [...document.querySelectorAll(selector + ' canvas')]
  .map((c) => c.width * c.height).reduce((a, b) => Math.max(a, b), 0)"""


@pytest.fixture
def pool_and_price(local_pool):
    """The local pool registered as a droid pool (from the chain, as an admin does) and its
    price as a trader reads it (USDC per WETH, whichever token the addresses put first)."""
    pool = register_local_pool(w3=local_pool.w3, uniswap=local_pool.uniswap)
    sqrt_price = contract(local_pool.w3, "UniswapV3Pool", pool.address).functions.slot0().call()[0]
    return pool, trader_price(pool, price_for_sqrt(sqrt_price, pool.token0_decimals, pool.token1_decimals))


@pytest.fixture
def celery_queue(settings):
    """The close task an admin's close sends waits in the test Redis's queue (no worker here; the
    test runs the engine itself): emptied before and after."""
    redis = Redis.from_url(settings.CELERY_BROKER_URL)
    redis.delete("celery")
    yield
    redis.delete("celery")


def assert_fits(page: Page) -> None:
    assert page.evaluate(NO_PAGE_OVERFLOW), page.evaluate(STICKING_OUT)


def test_an_operator_drives_a_droid_from_its_pages_and_an_admin_closes_it(
    chromium: Browser, live_server, local_pool, pool_and_price, celery_queue
):
    pool, price = pool_and_price
    operator = UserFactory(role="OPERATOR")
    wallet = create_droid_account(
        user=operator, private_key=Account.create().key.hex(), label="desk wallet", chain_id=31337
    )
    local_pool.fund(wallet.address, eth=ETHER, weth=2 * ETHER, usdc=4_000 * USDC)  # 10,000 USD of tokens
    base = live_server.url
    page = chromium.new_context(viewport=DESKTOP).new_page()
    sign_in(page, base, operator.email, "/droids")
    expect(page.locator("#droids")).to_contain_text("No droids yet.")
    save_screenshot(page, "droids-list-empty-desktop")

    page.click("text=New droid")
    expect(page.locator("h1")).to_have_text("New droid")
    page.fill("#id_funding_usd", "5000")
    page.fill("#id_min_price", f"{price * Decimal('0.8'):.6g}")
    page.fill("#id_max_price", f"{price * Decimal('1.25'):.6g}")
    page.fill("#id_max_bots", "4")
    save_screenshot(page, "droids-new-desktop")
    page.click("button:has-text('Create droid')")
    expect(page.locator(".message.success")).to_contain_text("Droid created, paused")
    droid = Droid.objects.get(owner=operator)
    expect(page).to_have_url(f"{base}/droids/{droid.id}")
    expect(page.locator("#droid-state")).to_have_text("Paused")
    expect(page.locator("#no-positions")).to_contain_text(
        "the droid mints its ladder on its next run once it is started"
    )

    # A rising trigger of 150% is refused on its field, and nothing changes.
    page.fill("#id_rising_rebalance_trigger", "150")
    page.click("button:has-text('Save configuration')")
    expect(page.locator("#config .errorlist")).to_contain_text("Must be above 0 and below 100 %.")
    page.locator("#config").scroll_into_view_if_needed()
    save_screenshot(page, "droid-config-error-desktop")
    assert Droid.objects.get(id=droid.id).rising_rebalance_trigger == Decimal("0.05")

    page.fill("#id_rising_rebalance_trigger", "4")
    page.fill("#id_max_gas_price", "30")
    page.click("button:has-text('Save configuration')")
    expect(page.locator(".message.success")).to_contain_text("Configuration saved")
    expect(page.locator("#id_rising_rebalance_trigger")).to_have_value("4")
    droid.refresh_from_db()
    assert (droid.rising_rebalance_trigger, droid.max_gas_price) == (Decimal("0.04"), Decimal(30))

    # An operator may start and pause; reset and close are an admin's, and the page says so.
    expect(page.locator("button[data-state='2']")).to_be_disabled()
    expect(page.locator("#controls")).to_contain_text("Only admins reset a droid or close it.")
    page.click("button[data-state='1']")
    expect(page.locator(".message.success")).to_contain_text("Started")
    expect(page.locator("#droid-state")).to_have_text("Running")
    assert Droid.objects.get(id=droid.id).active == DroidActive.RUNNING

    # The engine's runs: the first mints the ladder; swaps between runs earn it fees.
    first = run_droid(droid_id=droid.id)
    assert first.outcome == RunOutcome.MINTED, first.detail
    local_pool.swap(token_in=local_pool.uniswap.weth, amount_in=ETHER // 4)
    run_droid(droid_id=droid.id)
    local_pool.swap(token_in=local_pool.uniswap.usdc, amount_in=600 * USDC)
    run_droid(droid_id=droid.id)
    page.reload()
    held = DroidBot.objects.filter(droid=droid, status="ACTIVE").count()
    assert held >= 2
    expect(page.locator("#ladder rect.rung")).to_have_count(held)
    expect(page.locator("#ladder rect.rung.holds-price")).to_have_count(1)
    expect(page.locator("#ladder .price-line")).to_have_count(1)
    expect(page.locator("#ladder h2")).to_contain_text(f"prices in {price_unit(pool)}")
    expect(page.locator("#ladder-price")).not_to_be_empty()
    expect(page.locator("[data-droid-chart]")).to_have_attribute("data-drawn", "3")
    assert page.evaluate(CANVAS_SIZE, "[data-droid-chart]") > 10_000
    expect(page.locator("#runs tbody tr")).to_have_count(3)
    expect(page.locator("#runs tbody tr").last).to_contain_text("Minted its ladder")
    save_screenshot(page, "droid-running-desktop")

    phone = chromium.new_context(viewport=PHONE).new_page()
    sign_in(phone, base, operator.email, f"/droids/{droid.id}")
    expect(phone.locator("[data-droid-chart]")).to_have_attribute("data-drawn", "3")
    assert_fits(phone)
    save_screenshot(phone, "droid-running-390")
    phone.goto(f"{base}/droids")
    expect(phone.locator(f"tr[data-droid-id='{droid.id}']")).to_contain_text(re.compile("Running"))
    assert_fits(phone)
    save_screenshot(phone, "droids-list-390")
    phone.goto(f"{base}/droids/new")
    expect(phone.locator("label[for=id_min_price]")).to_contain_text(price_unit(pool))
    assert_fits(phone)
    save_screenshot(phone, "droids-new-390")

    # An admin closes it: the page asks first (dismissed: nothing changes), then the engine takes
    # the positions down and the page says the droid is closed for good.
    boss = chromium.new_context(viewport=DESKTOP).new_page()
    sign_in(boss, base, UserFactory(role="ADMIN").email, f"/droids/{droid.id}")
    boss.once("dialog", lambda dialog: dialog.dismiss())
    boss.click("button[data-state='3']")
    expect(boss.locator("#droid-state")).to_have_text("Running")
    boss.once("dialog", lambda dialog: dialog.accept())
    boss.click("button[data-state='3']")
    expect(boss.locator(".message.success")).to_contain_text("Closing")
    expect(boss.locator("#closed-notice")).to_contain_text(f"the engine is taking its {held} positions down")
    closing = close_droid_positions(droid_id=droid.id)
    assert closing.outcome == RunOutcome.CLOSED, closing.detail
    boss.reload()
    expect(boss.locator("#closed-notice")).to_contain_text("it holds no position. Closing is final.")
    expect(boss.locator("#no-positions")).to_be_visible()
    expect(boss.locator("#runs tbody tr").first).to_contain_text("Closed its positions")
    expect(boss.locator("button[data-state]")).to_have_count(0)
    save_screenshot(boss, "droid-closed-desktop")


@pytest.mark.django_db(transaction=True)
def test_a_trader_adds_a_funding_wallet_and_is_told_to_fund_it(chromium: Browser, live_server):
    operator = UserFactory(role="OPERATOR")
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "390")):
        page = chromium.new_context(viewport=viewport).new_page()
        sign_in(page, live_server.url, operator.email, "/droids/new")
        if viewport == DESKTOP:  # the first visit: no wallet yet, and the form says where to add one
            expect(page.locator("#no-wallet")).to_contain_text("add one")
        page.goto(f"{live_server.url}/droids/wallets")
        page.fill("#id_label", f"ladder money {name}")
        page.click("text=Add wallet")
        expect(page.locator(".messages, [role=status], .message").first).to_contain_text("Fund it with ETH for gas")
        expect(page.locator("#wallets")).to_contain_text(f"ladder money {name}")
        save_screenshot(page, f"droid-wallets-{name}")
        if viewport == PHONE:
            assert_fits(page)
