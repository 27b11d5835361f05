"""The trading pages: the ticket (check, then place), the trade list and a trade's page, risk settings."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from apps.exchanges.models import ExchangeAccount
from apps.trades.models import GroupStatus, OrderRole, OrderStatus, RiskConfig, TradeGroup
from tests.accounts.test_pages import signed_in_client
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


@pytest.fixture
def trader(user) -> Client:
    return signed_in_client(user)[0]


@pytest.fixture
def paper(user) -> ExchangeAccount:
    return FundedPaperAccountFactory(user=user, label="Practice")


def ticket(account: ExchangeAccount, **changes: str) -> dict[str, str]:
    """A limit buy resting below the paper market (BTC_USDT opens at 50000): risk 10 USDT, R:R 3."""
    data = {
        "account": str(account.id),
        "symbol": "BTC_USDT",
        "side": "buy",
        "entry_type": "limit",
        "entry_price": "49000",
        "quantity": "0.02",
        "stop_loss_price": "48500",
        "tp_price_0": "50000",
        "tp_quantity_0": "0.01",
        "tp_price_1": "51000",
        "tp_quantity_1": "0.01",
        "tp_price_2": "",
        "tp_quantity_2": "",
        "leverage": "1",
        "idempotency_key": "a" * 32,
    }
    data.update(changes)
    return data


# --- the ticket -----------------------------------------------------------------------------


def test_each_ticket_comes_with_its_own_idempotency_key(trader, paper):
    first, second = (trader.get("/trade").content.decode() for _ in range(2))
    assert KEY.search(first)[1] != KEY.search(second)[1]
    assert f'<option value="{paper.id}"' in first
    assert 'name="tp_price_2"' in first  # at least three rows of the ladder
    assert 'formaction="/trade/check"' in first


def test_a_trader_without_accounts_is_told_to_add_one(trader):
    body = trader.get("/trade").content.decode()
    assert "No exchange account yet" in body
    assert 'href="/exchanges"' in body


def test_it_shows_the_forms_own_errors(trader, paper):
    response = trader.post(
        "/trade/check", ticket(paper, entry_price="", tp_quantity_1="", side="sideways", quantity="abc")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A limit entry needs a price." in body
    assert "Target 2 needs both a price and a quantity" in body
    assert "Select a valid choice." in body
    assert "Enter a number." in body


def test_it_refuses_another_users_account_on_the_ticket(trader, paper):
    other = ExchangeAccountFactory()
    response = trader.post("/trade/check", ticket(other))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_check_shows_the_approved_size_and_every_limit(trader, paper):
    response = trader.post("/trade/check", ticket(paper))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="verdict-status">Approved' in body
    assert re.search(r'id="verdict-quantity" class="amount">0\.02<', body)
    assert re.search(r'id="verdict-max-quantity" class="amount">0\.2<', body)
    for name, value in (("account_risk", "2"), ("max_risk_amount", "0.2"), ("max_position_size", "1")):
        assert re.search(rf'data-size-limit="{name}">{re.escape(value)}\b', body), name
    assert 'data-size-limit="leverage">' in body
    assert re.search(r'id="verdict-risk-amount" class="amount">10<', body)
    assert re.search(r'id="verdict-risk-reward" class="amount">3<', body)
    assert not TradeGroup.objects.exists()


def test_check_without_a_quantity_offers_the_largest_allowed_size(trader, paper):
    body = trader.post(
        "/trade/check", ticket(paper, quantity="", tp_quantity_0="", tp_price_0="", tp_price_1="", tp_quantity_1="")
    ).content.decode()
    assert re.search(r'id="verdict-quantity" class="amount">0\.2<', body)


def test_check_shows_a_rejection_with_every_broken_rule(trader, paper):
    data = ticket(paper, stop_loss_price="", leverage="20", quantity="5", tp_quantity_0="2.5", tp_quantity_1="2.5")
    response = trader.post("/trade/check", data)
    body = response.content.decode()
    assert 'id="verdict-status">Rejected' in body
    for rule in ("stop_loss_required", "leverage", "position_size"):
        assert f'data-rule="{rule}"' in body, rule
    assert "needs a stop-loss" in body  # the two risk-based limits need a stop to measure
    assert not TradeGroup.objects.exists()


def test_check_explains_a_ticket_the_loop_cannot_judge(trader, paper):
    response = trader.post("/trade/check", ticket(paper, stop_loss_price="49500"))
    assert response.status_code == 400
    assert "stop_loss_price" in response.content.decode()
    assert "below the entry price" in response.content.decode()


def test_check_of_a_market_entry_uses_the_current_price(trader, paper):
    body = trader.post(
        "/trade/check",
        ticket(
            paper, entry_type="market", entry_price="", stop_loss_price="49500", tp_price_0="51000", tp_price_1="52000"
        ),
    ).content.decode()
    assert 'id="verdict-status">Approved' in body
    assert "at entry 50000 (market price now)" in body


def test_placing_a_trade_opens_a_group_and_lands_on_the_trades(trader, paper, user):
    response = trader.post("/trade", ticket(paper))
    assert response.status_code == 302
    assert response["Location"] == "/trades"
    group = TradeGroup.objects.get(user=user)
    assert (group.symbol, group.side, group.quantity, group.status) == ("BTC_USDT", "buy", Decimal("0.02"), "OPEN")
    entry = group.orders.get(role=OrderRole.ENTRY)
    assert entry.status == OrderStatus.OPEN

    page = trader.get("/trades").content.decode()
    assert "Trade placed: buy 0.02 BTC_USDT, OPEN." in page
    assert f'data-group-id="{group.id}"' in page
    assert re.search(rf'data-order-id="{entry.id}">.*?data-field="status">OPEN<', page, re.S)
    assert group.orders.filter(role=OrderRole.TAKE_PROFIT).count() == 2


def test_a_double_submitted_ticket_opens_one_trade(trader, paper, user):
    first = trader.post("/trade", ticket(paper))
    second = trader.post("/trade", ticket(paper), follow=True)
    assert first["Location"] == "/trades"
    assert "already placed" in second.content.decode()
    assert TradeGroup.objects.filter(user=user).count() == 1


def test_placing_a_rejected_trade_shows_the_verdict_and_opens_nothing(trader, paper, user):
    RiskConfig.objects.create(user=user, max_leverage=2)
    response = trader.post("/trade", ticket(paper, leverage="3"))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="verdict-status">Rejected' in body
    assert 'data-rule="leverage"' in body
    assert KEY.search(body)[1] != "a" * 32  # a new key: sending it again is a new request
    assert not TradeGroup.objects.exists()


def test_an_exchange_refusing_the_entry_is_shown_on_the_ticket(trader, paper, user):
    RiskConfig.objects.create(
        user=user, account_risk_percent=100, max_risk_amount=10**6, max_position_size=100, max_leverage=5
    )
    data = ticket(paper, quantity="3", tp_quantity_0="1.5", tp_quantity_1="1.5")  # 147,000 USDT at 1x
    response = trader.post("/trade", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="check-error"' in body
    assert KEY.search(body)[1] != "a" * 32
    assert TradeGroup.objects.get(user=user).status == GroupStatus.FAILED


def test_a_ticket_reused_for_another_trade_is_explained(trader, paper):
    trader.post("/trade", ticket(paper))
    response = trader.post("/trade", ticket(paper, quantity="0.04", tp_quantity_0="0.02", tp_quantity_1="0.02"))
    assert response.status_code == 409
    assert "already used to place a different trade" in response.content.decode()


def test_check_of_a_symbol_the_exchange_does_not_list_is_a_message(trader, paper):
    response = trader.post("/trade/check", ticket(paper, symbol="nope_usdt"))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="check-error"' in body
    assert "NOPE_USDT" in body


def test_placing_needs_a_quantity(trader, paper):
    response = trader.post("/trade", ticket(paper, quantity=""))
    assert response.status_code == 400
    assert "Enter the quantity to trade" in response.content.decode()


# --- trades ---------------------------------------------------------------------------------


@pytest.fixture
def group(trader, paper, user) -> TradeGroup:
    trader.post("/trade", ticket(paper))
    return TradeGroup.objects.get(user=user)


def test_the_list_shows_only_the_users_own_trades(trader, group):
    stranger = signed_in_client(ExchangeAccountFactory().user)[0]
    assert f'data-group-id="{group.id}"' not in stranger.get("/trades").content.decode()
    assert stranger.get(f"/trades/{group.id}").status_code == 404
    assert stranger.post(f"/trades/{group.id}/cancel").status_code == 404
    assert TradeGroup.objects.get(id=group.id).status == GroupStatus.OPEN


def test_the_trade_page_shows_its_orders_and_the_live_socket(trader, group, settings, user):
    settings.WS_PUBLIC_URL = "wss://stream.example/ws"
    body = trader.get(f"/trades/{group.id}").content.decode()
    for order in group.orders.all():
        assert f'data-order-id="{order.id}"' in body
    assert 'data-ws-url="wss://stream.example/ws"' in body
    assert f'data-user-id="{user.id}"' in body
    assert "Target 2" in body
    assert "Decision at placing" in body
    assert 'id="verdict-status">Approved' in body


def test_the_stop_can_be_moved_from_the_trade_page(trader, group):
    response = trader.post(f"/trades/{group.id}/sl", {"stop_loss_price": "48000"}, follow=True)
    assert "Stop moved to 48000." in response.content.decode()
    group.refresh_from_db()
    assert group.stop_loss_price == Decimal("48000")
    assert group.orders.get(role=OrderRole.STOP_LOSS).stop_price == Decimal("48000")


def test_a_stop_on_the_wrong_side_is_a_field_error(trader, group):
    response = trader.post(f"/trades/{group.id}/sl", {"stop_loss_price": "49500"})
    assert response.status_code == 400
    assert "below the entry price" in response.content.decode()
    group.refresh_from_db()
    assert group.stop_loss_price == Decimal("48500")


def test_break_even_toggles(trader, group):
    trader.post(f"/trades/{group.id}/breakeven", {"enabled": "on"})
    group.refresh_from_db()
    assert group.break_even
    trader.post(f"/trades/{group.id}/breakeven", {"enabled": ""})
    group.refresh_from_db()
    assert not group.break_even


def test_cancelling_a_resting_trade(trader, group):
    response = trader.post(f"/trades/{group.id}/cancel", follow=True)
    assert "Trade cancelled." in response.content.decode()
    group.refresh_from_db()
    assert group.status == GroupStatus.CANCELLED
    assert group.orders.get(role=OrderRole.ENTRY).status == OrderStatus.CANCELLED
    assert f'data-group-id="{group.id}"' in trader.get("/trades").content.decode().split('id="recent-trades"')[1]


# --- risk settings --------------------------------------------------------------------------


def test_the_risk_page_shows_the_defaults(trader):
    body = trader.get("/risk").content.decode()
    assert 'name="account_risk_percent" value="1"' in body
    assert 'name="max_leverage" value="5"' in body
    assert 'name="require_stop_loss"' in body


def test_it_saves_risk_settings(trader, user):
    data = {
        "account_risk_percent": "2",
        "max_risk_amount": "150",
        "max_position_size": "0.5",
        "max_leverage": "5",
        "daily_max_drawdown_percent": "5",
        "max_open_positions": "5",
        "require_stop_loss": "on",
        "min_risk_reward_ratio": "1.5",
    }
    response = trader.post("/risk", data, follow=True)
    assert "Risk settings saved." in response.content.decode()
    config = RiskConfig.objects.get(user=user)
    assert (config.account_risk_percent, config.max_risk_amount, config.require_stop_loss) == (2, 150, True)


def test_it_shows_risk_setting_errors_beside_their_fields(trader, user):
    data = {
        "account_risk_percent": "150",
        "max_risk_amount": "0",
        "max_position_size": "0.5",
        "max_leverage": "5",
        "daily_max_drawdown_percent": "5",
        "max_open_positions": "5",
        "min_risk_reward_ratio": "1.5",
    }
    response = trader.post("/risk", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Must be above 0 and at most 100." in body
    assert "Must be above 0." in body
    assert not RiskConfig.objects.filter(user=user).exists()
