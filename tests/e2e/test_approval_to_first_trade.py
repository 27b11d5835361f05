"""The first hour in a real browser: a trader registers, the admin approves them as an operator
in the Django admin, and the trader places seed 004's example order and a seed 003 trade group
from a signed-in page, as a script of theirs would, with no other set-up."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from apps.accounts.models import Role, Status, User
from apps.exchanges.models import ExchangeAccount
from apps.trades.models import Order, TradeGroup
from tests.accounts.factories import UserFactory
from tests.accounts.test_approval_paper_account import SEED_ORDER as SEED_004_ORDER
from tests.e2e.conftest import register, save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRADER = "trader@havencap.io"
# Seed 003, POST /api/v1/trades: its example's shape (entry, stop, two targets), sized to the
# default risk rules: 0.1 BTC x 1,000 to the stop risks 100, the default max risk per trade.
SEED_003_TRADE = {
    "symbol": "BTC_USDT",
    "side": "buy",
    "entry_price": "50000.00",
    "quantity": "0.1",
    "stop_loss_price": "49000.00",
    "take_profit": [
        {"price": "51500.00", "quantity": "0.05", "order_type": "limit"},
        {"price": "53000.00", "quantity": "0.05", "order_type": "limit"},
    ],
}

# What a user's script does from a signed-in page: the cookies go along, and the CSRF token a
# page's forms carry is sent as the header Django reads.
POST_JSON = """
async ({ url, body }) => {
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1] || "";
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
"""


def test_an_operator_approved_in_the_admin_trades_on_paper_at_once(chromium: Browser, live_server):
    base = live_server.url
    admin_user = UserFactory(email="admin@havencap.io", role=Role.ADMIN)
    admin = chromium.new_context().new_page()
    trader = chromium.new_context().new_page()

    register(trader, base, TRADER)
    expect(trader).to_have_url(f"{base}/pending")

    sign_in(admin, base, admin_user.email, "/admin/")
    expect(admin).to_have_url(f"{base}/admin/")
    admin.get_by_role("link", name="Users", exact=True).click()
    row = admin.locator("#result_list tr", has_text=TRADER)
    expect(row).to_contain_text("Operator on approval")
    expect(row).to_contain_text("Pending")
    save_screenshot(admin, "approval-admin-pending")
    # The user's page offers the role approval will grant, editable.
    row.get_by_role("link", name=TRADER).click()
    expect(admin.locator("select[name=role]")).to_have_value("OPERATOR")
    save_screenshot(admin, "approval-admin-user-page")
    admin.go_back()
    row.locator("input.action-select").check()
    admin.select_option("select[name=action]", label="Approve as operator (may trade)")
    admin.click("button[name=index]")
    expect(admin.locator(".messagelist")).to_contain_text("Approved 1 user(s) as OPERATOR.")
    expect(row).to_contain_text("Active")
    save_screenshot(admin, "approval-admin-approved")
    approved = User.objects.get(email=TRADER)
    assert (approved.role, approved.status) == (Role.OPERATOR, Status.ACTIVE)

    sign_in(trader, base, TRADER)
    expect(trader).to_have_url(f"{base}/trade")  # the desk, not the account page

    order = trader.evaluate(POST_JSON, {"url": "/api/orders", "body": SEED_004_ORDER})
    assert order["status"] == 201, order
    assert {key: order["body"]["order"][key] for key in ("market", "side", "orderType", "quantity", "price")} == {
        "market": "ETH_USDC",
        "side": "BUY",
        "orderType": "LIMIT",
        "quantity": 1.5,
        "price": 3200,
    }
    assert order["body"]["order"]["status"] in ("OPEN", "FILLED")  # FILLED when ETH trades below 3200

    trade = trader.evaluate(
        POST_JSON, {"url": "/api/v1/trades", "body": {**SEED_003_TRADE, "idempotency_key": str(uuid.uuid4())}}
    )
    assert trade["status"] == 201, trade
    group = TradeGroup.objects.get(user=approved)
    # Both went to the paper account approval opened, the trader's only account.
    account = ExchangeAccount.objects.get(user=approved)
    assert account.exchange_name == "paper"
    assert group.exchange_account == account
    assert Order.objects.get(id=order["body"]["order"]["orderId"]).exchange_account == account

    trader.goto(f"{base}/trades")
    listed = trader.locator(f'[data-group-id="{group.id}"]')
    expect(listed).to_contain_text("BTC_USDT")
    save_screenshot(trader, "approval-trader-trades")
