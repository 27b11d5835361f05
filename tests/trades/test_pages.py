"""The trading pages: the ticket (check, then place), the trade list and a trade's page, risk settings."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from apps.exchanges.models import ExchangeAccount
from apps.exchanges.paper import candles
from apps.exchanges.paper.engine import set_price
from apps.trades.models import GroupStatus, OrderRole, OrderStatus, RiskConfig, TradeGroup
from apps.trades.services.sync import sync_group
from tests.accounts.factories import UserFactory
from tests.accounts.test_pages import signed_in_client
from tests.exchanges import conftest as exchange_fixtures
from tests.exchanges.factories import ApiKeyAccountFactory, ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

binance_server = exchange_fixtures.binance_server

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
    assert "Side must be buy or sell." in body
    assert "Quantity must be a number, like 0.25." in body


def test_it_refuses_another_users_account_on_the_ticket(trader, paper):
    other = ExchangeAccountFactory()
    response = trader.post("/trade/check", ticket(other))
    assert response.status_code == 400
    assert "Pick one of your exchange accounts." in response.content.decode()


def test_check_shows_the_approved_size_and_every_limit(trader, paper):
    response = trader.post("/trade/check", ticket(paper))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="verdict-status">Approved' in body
    assert re.search(r'id="verdict-quantity" class="amount">0\.02</span> BTC', body)
    assert re.search(r'id="verdict-max-quantity" class="amount">0\.2</span> BTC', body)
    # Each limit in words with its unit, rounded to the market's precision (0.0001 BTC at 50000).
    limits = {
        "account_risk": ("max size by account risk 1%", "2"),
        "max_risk_amount": ("max size by max risk 100 USDT", "0.2"),
        "leverage": ("max size by max leverage 5x equity", "10.204"),
    }
    for name, (label, value) in limits.items():
        assert f'data-size-limit-label="{name}"><span>{label}</span>' in body, name
        assert re.search(rf'data-size-limit="{name}"><span class="amount">{re.escape(value)}</span> BTC', body), name
    assert re.search(
        r'data-size-limit-label="max_risk_amount"><span>[^<]*</span> <span class="badge" data-binding', body
    )
    assert 'data-size-limit="max_position_size"><span class="muted">— no cap set' in body
    assert re.search(r'id="verdict-risk-amount" class="amount">10</span> USDT', body)
    assert re.search(r'id="verdict-risk-reward" class="amount">3<', body)
    assert not TradeGroup.objects.exists()


def test_check_without_a_quantity_offers_the_largest_allowed_size(trader, paper):
    body = trader.post(
        "/trade/check", ticket(paper, quantity="", tp_quantity_0="", tp_price_0="", tp_price_1="", tp_quantity_1="")
    ).content.decode()
    assert re.search(r'id="verdict-quantity" class="amount">0\.2<', body)


def test_check_shows_a_rejection_with_every_broken_rule(trader, paper):
    data = ticket(paper, stop_loss_price="", leverage="20", quantity="15", tp_quantity_0="7.5", tp_quantity_1="7.5")
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
    assert "at entry 50000 USDT (market price now)" in body


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
    assert "Symbol NOPE_USDT is not one of this account&#x27;s markets" in body


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


def test_a_trades_row_comes_alone_for_the_lists_script(trader, group, user):
    response = trader.get(f"/trades/{group.id}/row")
    assert response.status_code == 200
    body = response.content.decode().strip()
    assert body.startswith("<tbody") and body.endswith("</tbody>")
    assert f'data-group-id="{group.id}"' in body
    assert 'data-symbol="BTC_USDT"' in body
    assert 'data-risk="10"' in body  # |49000 - 48500| x 0.02: the risk planned at the stop
    assert "<html" not in body


# --- the desk's market: symbols, price, balance, candles ---------------------------------------


def test_the_ticket_picks_the_symbol_from_the_accounts_markets_and_shows_price_and_balance(trader, paper):
    set_price(symbol="ETH_USDT", price=Decimal("3012.5"))
    body = trader.get(f"/trade?account={paper.id}&symbol=ETH_USDT").content.decode()
    assert '<select name="symbol"' in body
    for symbol in ("BTC_USDT", "ETH_USDT", "SOL_USDT", "ETH_USDC"):
        assert f'<option value="{symbol}"' in body, symbol
    assert '<optgroup label="USDC">' in body and '<optgroup label="USDT">' in body
    assert '<option value="ETH_USDT" selected>' in body
    assert re.search(r'id="market-price" data-market-price[^>]*>3012\.5<', body)
    assert re.search(r'id="market-balance" data-market-balance>100000<', body)
    assert 'data-price-step="0.01"' in body  # five significant digits of ETH's 3000
    assert f'data-account-id="{paper.id}"' in body
    assert 'data-candles-url="/trade/candles"' in body
    assert "lightweight-charts.standalone.production.js" in body
    assert "css/desk.css" in body


def test_the_ticket_defaults_to_the_first_accounts_btc_market(trader, paper):
    body = trader.get("/trade").content.decode()
    assert '<option value="BTC_USDT" selected>' in body
    assert re.search(r'id="market-price" data-market-price[^>]*>50000<', body)


def test_the_ticket_says_when_the_venue_cannot_answer_instead_of_failing(trader, user, settings):
    settings.EXCHANGE_BASE_URLS = {**settings.EXCHANGE_BASE_URLS, "binance": "http://127.0.0.1:9"}
    settings.EXCHANGE_TIMEOUT_SECONDS = 1.0
    account = ApiKeyAccountFactory(user=user)
    response = trader.get(f"/trade?account={account.id}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "The account&#x27;s markets could not be listed" in body
    assert '<input type="text" name="symbol"' in body  # typed, since it cannot be picked


def test_the_market_endpoint_answers_another_symbols_price_and_balance(trader, paper):
    body = trader.get(f"/trade/market?account={paper.id}&symbol=eth_usdc").json()
    assert body == {
        "account_id": str(paper.id),
        "symbol": "ETH_USDC",
        "base": "ETH",
        "quote": "USDC",
        "price": "3000",
        "price_step": "0.01",
        "quantity_step": "0.001",
        "available": "100000",
        "quote_places": 2,
        "problems": [],
    }
    assert trader.get(f"/trade/market?account={paper.id}&symbol=DOGE_USDT").status_code == 400
    assert trader.get(f"/trade/market?account={ExchangeAccountFactory().id}&symbol=BTC_USDT").status_code == 404


def test_the_candles_endpoint_serves_the_recorded_minutes_as_strings(trader, paper):
    for price in ("50000", "50012.5", "49990", "50001"):
        candles.record({"BTC_USDT": Decimal(price)})
    body = trader.get(f"/trade/candles?account={paper.id}&symbol=BTC_USDT&timeframe=1m&limit=10").json()
    assert body["symbol"] == "BTC_USDT" and body["timeframe"] == "1m"
    [candle] = body["candles"]
    assert {k: candle[k] for k in ("open", "high", "low", "close")} == {
        "open": "50000",
        "high": "50012.5",
        "low": "49990",
        "close": "50001",
    }
    assert isinstance(candle["time"], int) and candle["time"] % 60 == 0
    assert body["collecting"] is True  # one minute is not a history yet


def test_a_market_without_history_answers_one_candle_at_the_current_price(trader, paper):
    body = trader.get(f"/trade/candles?account={paper.id}&symbol=SOL_USDT").json()
    assert body["collecting"] is True
    [candle] = body["candles"]
    assert candle["open"] == candle["close"] == "150"  # SOL_USDT's opening price


def test_the_candles_endpoint_refuses_what_it_cannot_serve(trader, paper):
    base = f"/trade/candles?account={paper.id}"
    assert trader.get(f"{base}&symbol=BTC_USDT&timeframe=7m").json()["error"]["code"] == "INVALID_TIMEFRAME"
    assert trader.get(f"{base}&symbol=NOPE_USDT").status_code == 400
    assert trader.get(f"{base}&symbol=BTC_USDT&limit=abc").status_code == 400
    assert trader.get(f"/trade/candles?account={ExchangeAccountFactory().id}&symbol=BTC_USDT").status_code == 404
    assert Client().get(f"{base}&symbol=BTC_USDT").status_code == 302  # signed out: to the sign-in page


def test_the_candles_endpoint_reads_a_ccxt_venue(trader, user, binance_server):
    account = ApiKeyAccountFactory(user=user)
    body = trader.get(f"/trade/candles?account={account.id}&symbol=BTC_USDT&limit=5").json()
    assert len(body["candles"]) == 5
    assert {c["close"] for c in body["candles"]} == {"50000"}
    assert body["collecting"] is False


# --- errors beside their fields, all at once ---------------------------------------------------


def test_range_errors_show_with_parse_errors_at_once(trader, paper):
    data = ticket(paper, quantity="x", stop_loss_price="49500", tp_price_1="48000", tp_quantity_1="-1")
    body = trader.post("/trade/check", data).content.decode()
    assert "Quantity must be a number, like 0.25." in body
    assert "Stop-loss must be below the entry price for a buy." in body
    assert "Target 2 price must be above the entry price for a buy." in body
    assert "Target 2 quantity must not be negative." in body
    assert '<tr data-ladder-row="2" class="has-error">' in body
    assert '<tr data-ladder-row="1">' in body
    assert 'id="form-problems"' in body


def test_target_quantities_that_do_not_add_up_mark_the_last_target(trader, paper):
    body = trader.post("/trade/check", ticket(paper, tp_quantity_1="0.02")).content.decode()
    assert "Target quantities add up to 0.03, not the quantity 0.02." in body
    assert '<tr data-ladder-row="2" class="has-error">' in body


def test_a_market_entry_is_measured_from_the_market_price(trader, paper):
    data = ticket(paper, entry_type="market", entry_price="", stop_loss_price="50500")  # above 50000
    body = trader.post("/trade/check", data).content.decode()
    assert "Stop-loss must be below the entry price for a buy." in body


# --- live P&L on the list, cancel confirmation, viewers ----------------------------------------


def test_an_open_trade_shows_its_pnl_and_r_at_the_paper_price(trader, group):
    set_price(symbol="BTC_USDT", price=Decimal("48900"))  # fills the entry at 49000
    sync_group(group_id=group.id)
    set_price(symbol="BTC_USDT", price=Decimal("49500"))
    body = trader.get("/trades").content.decode()
    row = re.search(rf'data-group-id="{group.id}".*?</tbody>', body, re.S)[0]
    assert 'data-entry="49000"' in row and 'data-open-quantity="0.02"' in row and 'data-risk="10"' in row
    # 0.02 x (49500 - 49000) = 10, less the entry's fee of 0.392: +9.61 USDT, 0.96 of the 10 at risk.
    assert re.search(r"data-live-pnl[^>]*>\+9\.61<", row)
    assert re.search(r"data-live-r[^>]*>\+0\.96R<", row)


def test_cancelling_asks_first_and_says_what_it_will_do(trader, group):
    set_price(symbol="BTC_USDT", price=Decimal("48900"))
    sync_group(group_id=group.id)
    detail = trader.get(f"/trades/{group.id}").content.decode()
    assert f'href="/trades/{group.id}/cancel"' in detail
    assert f'action="/trades/{group.id}/cancel"' not in detail  # no one-click cancel

    page = trader.get(f"/trades/{group.id}/cancel").content.decode()
    assert "Cancel this trade?" in page
    assert "close the filled position of 0.02 BTC at market" in page
    assert "about 48900 USDT now" in page
    assert "cancel the stop-loss (sell 0.02 at 48500, open)" in page
    assert f'action="/trades/{group.id}/cancel"' in page
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE  # looking changes nothing


def test_a_finished_trade_has_nothing_to_cancel(trader, group):
    trader.post(f"/trades/{group.id}/cancel")
    response = trader.get(f"/trades/{group.id}/cancel", follow=True)
    assert "there is nothing to cancel" in response.content.decode()


@pytest.fixture
def viewer() -> tuple[Client, ExchangeAccount]:
    user = UserFactory(role="VIEWER")
    return signed_in_client(user)[0], FundedPaperAccountFactory(user=user)


def test_a_viewer_sees_the_ticket_without_its_buttons_and_why(viewer):
    client, _ = viewer
    body = client.get("/trade").content.decode()
    assert "Viewers may look but not trade" in body
    assert 'id="place-button"' not in body and 'id="check-button"' not in body
    assert '<fieldset class="plain" disabled>' in body
    assert 'id="market-price"' in body  # the market is theirs to see
    assert client.get(f"/trade/candles?account={viewer[1].id}&symbol=BTC_USDT").status_code == 200


def test_a_viewer_sees_trades_without_write_controls(viewer):
    client, _ = viewer
    body = client.get("/trades").content.decode()
    assert "Viewers may look but not trade" in body
    assert "New trade" not in body and "Open one from the ticket" not in body
