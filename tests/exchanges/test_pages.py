"""The exchange-account pages: list and add, one account's balance and positions, test, remove."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.permissions import VIEWER_MESSAGE
from apps.exchanges.models import AccountStatus, ExchangeAccount
from apps.exchanges.venues.base import AuthenticationFailed, VenueUnavailable
from apps.trades.models import TradeGroup
from tests.accounts.factories import UserFactory
from tests.accounts.test_pages import signed_in_client
from tests.exchanges.factories import ApiKeyAccountFactory, ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trader(user) -> Client:
    return signed_in_client(user)[0]


@pytest.fixture
def paper(user) -> ExchangeAccount:
    return FundedPaperAccountFactory(user=user, label="Practice")


@pytest.mark.parametrize("path", ["/exchanges", "/trade", "/trades", "/risk"])
def test_it_sends_a_signed_out_visitor_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login?next=%2F{path[1:]}"


def test_it_lists_only_the_users_own_accounts(trader, paper):
    ExchangeAccountFactory(label="Somebody else's")
    body = trader.get("/exchanges").content.decode()
    assert "Practice" in body
    assert "Somebody else" not in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "js/trading.js" in body


def test_it_offers_the_paper_exchange_and_marks_exchanges_needing_a_passphrase(trader):
    body = trader.get("/exchanges").content.decode()
    assert '<option value="paper"' in body
    assert 'value="okx" data-passphrase="true"' in body
    assert 'value="binance" data-passphrase="false"' in body
    assert 'value="hyperliquid"' not in body  # agent wallets are not added with keys


def test_it_adds_a_funded_paper_account_without_keys(trader, user):
    response = trader.post("/exchanges", {"exchange_name": "paper", "label": "Demo"})
    account = ExchangeAccount.objects.get(user=user, label="Demo")
    assert response.status_code == 302
    assert response["Location"] == f"/exchanges/{account.id}"
    page = trader.get(response["Location"]).content.decode()
    assert "Demo added." in page
    assert 'data-asset="USDT"' in page
    assert "100000" in page


def test_it_shows_which_key_fields_an_exchange_needs(trader, user):
    response = trader.post("/exchanges", {"exchange_name": "okx", "api_key": "", "secret": ""})
    assert response.status_code == 400
    body = response.content.decode()
    # One message beside each of the three fields OKX needs.
    assert body.count('<ul class="errorlist"') == 3
    assert re.search(r"requires (a )?passphrase", body)
    assert not ExchangeAccount.objects.filter(user=user).exists()


def test_it_shows_an_exchange_refusing_the_key_on_the_form(trader, user):
    with mock.patch(
        "apps.exchanges.services.accounts.live_balances",
        autospec=True,
        side_effect=AuthenticationFailed("Invalid API key."),
    ):
        response = trader.post("/exchanges", {"exchange_name": "binance", "api_key": "k" * 12, "secret": "s" * 12})
    assert response.status_code == 400
    assert "Invalid API key." in response.content.decode()
    assert not ExchangeAccount.objects.filter(user=user).exists()


def test_it_refuses_an_exchange_it_does_not_list(trader):
    response = trader.post("/exchanges", {"exchange_name": "no-such-exchange"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_it_shows_balance_and_positions_of_an_account(trader, paper):
    body = trader.get(f"/exchanges/{paper.id}").content.decode()
    assert 'id="balances"' in body and 'id="positions"' in body
    assert "No open positions." in body
    assert 'data-asset="USDT"' in body


def test_an_unreachable_exchange_is_a_message_not_an_error(trader, user):
    account = ApiKeyAccountFactory(user=user)
    with mock.patch(
        "apps.exchanges.views.live_balances", autospec=True, side_effect=VenueUnavailable("binance is down.")
    ):
        response = trader.get(f"/exchanges/{account.id}")
    assert response.status_code == 200
    assert "binance is down." in response.content.decode()


def test_another_users_account_is_not_found(trader):
    other = ExchangeAccountFactory()
    assert trader.get(f"/exchanges/{other.id}").status_code == 404
    assert trader.post(f"/exchanges/{other.id}/test").status_code == 404
    assert trader.post(f"/exchanges/{other.id}/remove").status_code == 404
    assert ExchangeAccount.objects.get(id=other.id).status == AccountStatus.ACTIVE


def test_testing_an_account_shows_the_outcome(trader, paper, user):
    response = trader.post(f"/exchanges/{paper.id}/test", {"next": "/exchanges"}, follow=True)
    assert response.redirect_chain[-1][0] == "/exchanges"
    assert "Practice: Connected" in response.content.decode()

    failing = ApiKeyAccountFactory(user=user)
    with mock.patch(
        "apps.exchanges.services.accounts.live_balances", autospec=True, side_effect=VenueUnavailable("Timed out.")
    ):
        response = trader.post(f"/exchanges/{failing.id}/test", follow=True)
    assert response.redirect_chain[-1][0] == f"/exchanges/{failing.id}"
    assert "Timed out." in response.content.decode()


def test_removing_asks_first_then_removes(trader, paper):
    confirm = trader.get(f"/exchanges/{paper.id}/remove")
    assert confirm.status_code == 200
    assert "Remove this account?" in confirm.content.decode()
    assert ExchangeAccount.objects.get(id=paper.id).status == AccountStatus.ACTIVE

    response = trader.post(f"/exchanges/{paper.id}/remove")
    assert response["Location"] == "/exchanges"
    assert ExchangeAccount.objects.get(id=paper.id).status == AccountStatus.REMOVED
    assert f'data-account-id="{paper.id}"' not in trader.get("/exchanges").content.decode()


def test_an_account_with_open_trades_is_kept_with_a_message(trader, paper, user):
    TradeGroup.objects.create(user=user, exchange_account=paper, symbol="BTC_USDT", side="buy", quantity=1)
    response = trader.post(f"/exchanges/{paper.id}/remove", follow=True)
    assert "open trades" in response.content.decode()
    assert ExchangeAccount.objects.get(id=paper.id).status == AccountStatus.ACTIVE


# --- viewers ----------------------------------------------------------------------------------


@pytest.fixture
def viewer_with_account():
    viewer = UserFactory(role=Role.VIEWER)
    account = FundedPaperAccountFactory(user=viewer, label="Watched")
    return signed_in_client(viewer)[0], account


def test_a_viewer_sees_their_accounts_without_write_controls_and_is_told_why(viewer_with_account):
    client, account = viewer_with_account
    body = client.get("/exchanges").content.decode()
    assert "Watched" in body
    assert VIEWER_MESSAGE in body
    assert 'id="add-account"' not in body and "Add account" not in body
    assert f"/exchanges/{account.id}/test" not in body and f"/exchanges/{account.id}/remove" not in body


def test_a_viewer_reads_an_account_without_test_trade_or_remove(viewer_with_account):
    client, account = viewer_with_account
    body = client.get(f"/exchanges/{account.id}").content.decode()
    assert "Balance" in body and "USDT" in body
    assert VIEWER_MESSAGE in body
    assert "Test connection" not in body and "Trade on this account" not in body
    assert f"/exchanges/{account.id}/remove" not in body


def test_a_viewer_is_not_offered_the_remove_button(viewer_with_account):
    client, account = viewer_with_account
    body = client.get(f"/exchanges/{account.id}/remove").content.decode()
    assert VIEWER_MESSAGE in body
    assert "Remove account</button>" not in body
    refused = client.post(f"/exchanges/{account.id}/remove")
    assert refused.status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_an_operator_is_not_shown_the_read_only_line(trader, paper):
    body = trader.get(f"/exchanges/{paper.id}").content.decode()
    assert VIEWER_MESSAGE not in body
    assert "Test connection" in body
