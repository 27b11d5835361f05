"""Seed 003's exchange-account endpoints: the exchanges on offer, adding paper and API-key
accounts (against a local Binance speaking to the real ccxt client), testing, balances,
positions and removal."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from apps.exchanges import hooks
from apps.exchanges.crypto import seal, unseal
from apps.exchanges.models import AccountKind, AccountStatus, ExchangeAccount, PaperBalance
from apps.exchanges.services.accounts import key_fingerprint
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import OrderRequest
from apps.trades.models import OPEN_GROUP_STATUSES, GroupStatus, TradeGroup
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.factories import ApiKeyAccountFactory, FundedPaperAccountFactory

ACCOUNTS = "/api/v1/exchanges/accounts"
NOBODYS = "00000000-0000-0000-0000-000000000000"


def account_url(account_id: object, action: str = "") -> str:
    return f"{ACCOUNTS}/{account_id}" + (f"/{action}" if action else "")


@pytest.fixture
def auth(user):
    return bearer(sign_in(user))


@pytest.fixture
def added_accounts(monkeypatch):
    """Account ids the account-added hooks receive (the trades app's import among them in
    production), replacing the registered hooks for the test."""
    seen: list = []
    monkeypatch.setattr(hooks, "_account_added", [seen.append])
    return seen


@pytest.fixture
def paper_account(user):
    return FundedPaperAccountFactory(user=user)


def add(api, auth, **body):
    return api.post(ACCOUNTS, body, format="json", **auth)


# --- the exchanges on offer -------------------------------------------------------------------


def test_it_lists_the_exchanges_with_paper_first(api, auth):
    response = api.get("/api/v1/exchanges", **auth)

    assert response.status_code == 200
    exchanges = {item["id"]: item for item in response.json()["exchanges"]}
    assert response.json()["exchanges"][0]["id"] == "paper"
    assert exchanges["paper"]["kind"] == "PAPER" and exchanges["paper"]["credentials"] == []
    assert exchanges["binance"]["kind"] == "API_KEY" and not exchanges["binance"]["requires_passphrase"]
    assert exchanges["okx"]["requires_passphrase"] and exchanges["okx"]["credentials"] == [
        "api_key",
        "secret",
        "passphrase",
    ]
    assert exchanges["bybit"]["has_derivatives"]
    assert exchanges["hyperliquid"]["kind"] == "AGENT_WALLET"


def test_it_lists_the_supported_exchange_ids(api, auth):
    response = api.get("/api/v1/exchanges/supported", **auth)

    assert response.status_code == 200
    ids = response.json()["exchanges"]
    assert ids[:4] == ["paper", "binance", "okx", "bybit"]
    assert "hyperliquid" in ids and all(isinstance(i, str) for i in ids)


# --- paper accounts ---------------------------------------------------------------------------


def test_it_adds_a_funded_paper_account_without_keys(api, auth, user, settings):
    settings.PAPER_STARTING_BALANCE = "25000"

    response = add(api, auth, exchange_name="paper", label="Practice")

    assert response.status_code == 201, response.json()
    body = response.json()
    account = ExchangeAccount.objects.get(id=body["id"])
    assert (account.user, account.kind, account.exchange_name) == (user, AccountKind.PAPER, "paper")
    assert {k: body[k] for k in ("exchange_name", "label", "kind", "status", "key_hint")} == {
        "exchange_name": "paper",
        "label": "Practice",
        "kind": "PAPER",
        "status": "ACTIVE",
        "key_hint": "",
    }
    assert body["created_at"].endswith("Z") and body["last_tested_at"] is None
    assert set(PaperBalance.objects.filter(account=account).values_list("total", flat=True)) == {Decimal("25000")}


def test_adding_an_account_runs_the_account_added_hooks_after_commit(
    api, auth, added_accounts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add(api, auth, exchange_name="paper")

    assert added_accounts == [ExchangeAccount.objects.get(id=response.json()["id"]).id]


def test_the_paper_balance_is_decimal_strings(api, auth, paper_account):
    response = api.get(account_url(paper_account.id, "balance"), **auth)

    assert response.status_code == 200
    assert response.json()["balances"] == [
        {"asset": "USDC", "free": "100000", "used": "0", "total": "100000"},
        {"asset": "USDT", "free": "100000", "used": "0", "total": "100000"},
    ]


def test_it_lists_open_paper_positions(api, auth, paper_account):
    assert api.get(account_url(paper_account.id, "positions"), **auth).json() == {"positions": []}
    venue_for(paper_account).place_order(
        OrderRequest(
            symbol="BTC_USDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.5"),
            client_order_id="hc-test-1",
            leverage=2,
        )
    )

    response = api.get(account_url(paper_account.id, "positions"), **auth)

    assert response.status_code == 200
    [position] = response.json()["positions"]
    assert {k: position[k] for k in ("symbol", "side", "quantity", "entry_price", "mark_price", "leverage")} == {
        "symbol": "BTC_USDT",
        "side": "long",
        "quantity": "0.5",
        "entry_price": "50000",
        "mark_price": "50000",
        "leverage": 2,
    }
    assert Decimal(position["unrealized_pnl"]) == 0


def test_testing_a_paper_account_records_when(api, auth, paper_account):
    response = api.post(account_url(paper_account.id, "test"), **auth)

    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["latency_ms"] >= 0
    paper_account.refresh_from_db()
    assert paper_account.last_tested_at is not None and paper_account.last_error == ""


# --- API-key accounts against a local Binance ---------------------------------------------------


def test_it_adds_a_binance_account_after_checking_the_key(api, auth, user, binance_server, added_accounts, caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="apps")

    response = add(api, auth, exchange_name="Binance", api_key=binance_server.api_key, secret=binance_server.secret)

    assert response.status_code == 201, response.json()
    body = response.json()
    account = ExchangeAccount.objects.get(id=body["id"])
    assert (account.exchange_name, account.kind, account.label) == ("binance", AccountKind.API_KEY, "Binance")
    assert body["key_hint"] == binance_server.api_key[-4:] and body["last_tested_at"]
    assert unseal(account.credentials) == {"api_key": binance_server.api_key, "secret": binance_server.secret}
    # Never returned, never stored in the clear, never logged.
    for secret in (binance_server.api_key, binance_server.secret):
        assert secret not in response.content.decode()
        assert secret not in account.credentials and secret not in account.key_fingerprint
        assert secret not in caplog.text
    assert account.key_fingerprint == key_fingerprint(binance_server.api_key)
    assert ("GET", "/api/v3/account") in [(method, path) for method, path, _ in binance_server.requests]


def test_it_refuses_a_key_the_exchange_rejects_and_stores_nothing(api, auth, binance_server, added_accounts):
    response = add(api, auth, exchange_name="binance", api_key="not-a-real-key", secret="whatever")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "EXCHANGE_AUTH_FAILED"
    assert "not-a-real-key" not in response.content.decode()
    assert not ExchangeAccount.objects.exists() and added_accounts == []


def test_it_refuses_a_wrong_secret(api, auth, binance_server):
    response = add(api, auth, exchange_name="binance", api_key=binance_server.api_key, secret="wrong-secret")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "EXCHANGE_AUTH_FAILED"


def test_an_unreachable_exchange_is_a_502_and_stores_nothing(api, auth, binance_server):
    binance_server.stop()

    response = add(api, auth, exchange_name="binance", api_key=binance_server.api_key, secret=binance_server.secret)

    assert response.status_code == 502
    assert not ExchangeAccount.objects.exists()


def test_an_exchange_answering_with_server_errors_is_a_502(api, auth, binance_server):
    binance_server.fail_next(503, times=10)

    response = add(api, auth, exchange_name="binance", api_key=binance_server.api_key, secret=binance_server.secret)

    assert response.status_code == 502
    assert not ExchangeAccount.objects.exists()


def test_adding_the_same_key_twice_is_a_conflict(api, auth, binance_server):
    keys = {"api_key": binance_server.api_key, "secret": binance_server.secret}
    assert add(api, auth, exchange_name="binance", **keys).status_code == 201

    response = add(api, auth, exchange_name="binance", **keys)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "DUPLICATE_EXCHANGE_ACCOUNT"
    assert ExchangeAccount.objects.count() == 1


def test_a_removed_key_can_be_added_again(api, auth, binance_server):
    keys = {"api_key": binance_server.api_key, "secret": binance_server.secret}
    first = add(api, auth, exchange_name="binance", **keys).json()
    assert api.delete(account_url(first["id"]), **auth).status_code == 200

    assert add(api, auth, exchange_name="binance", **keys).status_code == 201


def test_another_user_may_add_the_same_key(api, auth, binance_server):
    keys = {"api_key": binance_server.api_key, "secret": binance_server.secret}
    assert add(api, auth, exchange_name="binance", **keys).status_code == 201

    response = add(api, bearer(sign_in(UserFactory())), exchange_name="binance", **keys)

    assert response.status_code == 201


def test_testing_a_binance_account_reports_a_working_key(api, auth, user, binance_server):
    account = ApiKeyAccountFactory(user=user)

    response = api.post(account_url(account.id, "test"), **auth)

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert isinstance(response.json()["latency_ms"], int)


def test_testing_an_account_whose_key_was_revoked_is_ok_false_with_the_reason(api, auth, user, binance_server):
    account = ApiKeyAccountFactory(user=user, credentials=seal({"api_key": "revoked-key", "secret": "s"}))

    response = api.post(account_url(account.id, "test"), **auth)

    assert response.status_code == 200
    assert response.json()["ok"] is False and response.json()["message"]
    account.refresh_from_db()
    assert account.last_tested_at is not None and account.last_error == response.json()["message"]
    assert api.get(ACCOUNTS, **auth).json()["accounts"][0]["last_error"] == account.last_error


def test_testing_an_account_while_the_exchange_is_down_is_ok_false(api, auth, user, binance_server):
    account = ApiKeyAccountFactory(user=user)
    binance_server.stop()

    response = api.post(account_url(account.id, "test"), **auth)

    assert response.status_code == 200
    assert response.json()["ok"] is False


def test_the_binance_balance_comes_from_the_exchange(api, auth, user, binance_server):
    account = ApiKeyAccountFactory(user=user)
    binance_server.state.set_balance("ETH", "2.5", "0.5")

    response = api.get(account_url(account.id, "balance"), **auth)

    assert response.status_code == 200
    balances = {row["asset"]: row for row in response.json()["balances"]}
    assert balances["ETH"] == {"asset": "ETH", "free": "2.5", "used": "0.5", "total": "3"}
    assert balances["USDT"]["total"] == "100000"


def test_a_balance_with_a_rejected_key_is_a_400_and_with_the_exchange_down_a_502(api, auth, user, binance_server):
    bad = ApiKeyAccountFactory(user=user, credentials=seal({"api_key": "revoked-key", "secret": "s"}))
    good = ApiKeyAccountFactory(user=user)

    assert api.get(account_url(bad.id, "balance"), **auth).status_code == 400
    binance_server.stop()
    response = api.get(account_url(good.id, "balance"), **auth)
    assert response.status_code == 502
    assert response.json()["error"]["code"] in {"EXCHANGE_UNAVAILABLE", "EXCHANGE_ERROR"}


def test_binance_spot_has_no_positions(api, auth, user, binance_server):
    account = ApiKeyAccountFactory(user=user)

    response = api.get(account_url(account.id, "positions"), **auth)

    assert response.status_code == 200
    assert response.json() == {"positions": []}


# --- validation ---------------------------------------------------------------------------------


def test_it_rejects_an_unknown_exchange(api, auth):
    response = add(api, auth, exchange_name="mtgox", api_key="k", secret="s")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNSUPPORTED_EXCHANGE"


def test_it_names_the_missing_key_fields(api, auth):
    response = add(api, auth, exchange_name="binance")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"api_key", "secret"}


def test_it_requires_a_passphrase_where_the_exchange_has_one(api, auth):
    response = add(api, auth, exchange_name="okx", api_key="k", secret="s")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"passphrase"}
    assert "passphrase" in response.json()["error"]["message"]
    assert not ExchangeAccount.objects.exists()


def test_hyperliquid_is_added_through_an_agent_wallet(api, auth):
    response = add(api, auth, exchange_name="hyperliquid", api_key="k", secret="s")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "USE_AGENT_WALLET"


def test_it_requires_an_exchange_name(api, auth):
    response = add(api, auth, label="no exchange")

    assert response.status_code == 400
    assert "exchange_name" in response.json()["error"]["details"]


# --- listing, removal, ownership ---------------------------------------------------------------


def test_it_lists_only_the_users_active_accounts_without_secrets(api, auth, user):
    mine = ApiKeyAccountFactory(user=user)
    ApiKeyAccountFactory(user=user, status=AccountStatus.REMOVED)
    ApiKeyAccountFactory()  # someone else's

    response = api.get(ACCOUNTS, **auth)

    assert response.status_code == 200
    [listed] = response.json()["accounts"]
    assert listed["id"] == str(mine.id)
    assert set(listed) == {
        "id",
        "exchange_name",
        "label",
        "kind",
        "key_hint",
        "status",
        "created_at",
        "last_tested_at",
        "last_error",
    }
    assert "test-secret" not in response.content.decode() and "test-api-key" not in response.content.decode()


def test_removing_an_account_wipes_its_credentials_and_keeps_the_row(api, auth, user):
    account = ApiKeyAccountFactory(user=user, key_fingerprint=key_fingerprint("test-api-key-KEY1"))

    response = api.delete(account_url(account.id), **auth)

    assert response.status_code == 200
    assert response.json() == {"message": "Exchange account removed."}
    account.refresh_from_db()
    assert (account.status, account.credentials, account.key_fingerprint) == (AccountStatus.REMOVED, "", "")
    assert account.removed_at is not None
    assert api.get(ACCOUNTS, **auth).json() == {"accounts": []}
    assert api.get(account_url(account.id, "balance"), **auth).status_code == 404
    assert api.delete(account_url(account.id), **auth).status_code == 404


@pytest.mark.parametrize("status", OPEN_GROUP_STATUSES)
def test_an_account_with_open_trades_cannot_be_removed(api, auth, user, paper_account, status):
    TradeGroup.objects.create(
        user=user, exchange_account=paper_account, symbol="BTC_USDT", side="buy", quantity=Decimal("1"), status=status
    )

    response = api.delete(account_url(paper_account.id), **auth)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ACCOUNT_HAS_OPEN_TRADES"
    paper_account.refresh_from_db()
    assert paper_account.status == AccountStatus.ACTIVE


def test_an_account_whose_trades_are_all_closed_can_be_removed(api, auth, user, paper_account):
    TradeGroup.objects.create(
        user=user,
        exchange_account=paper_account,
        symbol="BTC_USDT",
        side="buy",
        quantity=Decimal("1"),
        status=GroupStatus.CLOSED,
    )

    assert api.delete(account_url(paper_account.id), **auth).status_code == 200


@pytest.mark.parametrize(
    ("method", "action"), [("delete", ""), ("post", "test"), ("get", "balance"), ("get", "positions")]
)
def test_another_users_account_is_not_found(api, auth, method, action):
    theirs = ApiKeyAccountFactory()

    response = getattr(api, method)(account_url(theirs.id, action), **auth)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "EXCHANGE_ACCOUNT_NOT_FOUND"
    theirs.refresh_from_db()
    assert theirs.status == AccountStatus.ACTIVE and theirs.last_tested_at is None


@pytest.mark.parametrize("account_id", [NOBODYS, "not-a-uuid"])
def test_an_unknown_account_is_not_found(api, auth, account_id):
    assert api.get(account_url(account_id, "balance"), **auth).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/exchanges"),
        ("get", "/api/v1/exchanges/supported"),
        ("get", ACCOUNTS),
        ("post", ACCOUNTS),
        ("delete", account_url(NOBODYS)),
        ("post", account_url(NOBODYS, "test")),
        ("get", account_url(NOBODYS, "balance")),
        ("get", account_url(NOBODYS, "positions")),
    ],
)
def test_exchange_endpoints_need_a_signed_in_user(api, db, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"]


def test_a_key_added_concurrently_is_a_conflict_not_a_second_account(api, auth, user, monkeypatch):
    # Another request adds the same key while this one is checking it with the exchange.
    def concurrent_add(*, account):
        ApiKeyAccountFactory(user=user, key_fingerprint=key_fingerprint("racing-key"))
        return []

    monkeypatch.setattr("apps.exchanges.services.accounts.live_balances", concurrent_add)

    response = add(api, auth, exchange_name="binance", api_key="racing-key", secret="s")

    assert response.status_code == 409
    assert ExchangeAccount.objects.filter(user=user).count() == 1
