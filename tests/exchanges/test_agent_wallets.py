"""Hyperliquid agent wallets: init, approve against a local Hyperliquid stand-in with real EIP-712
signatures from a master key, revoke."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account
from hyperliquid.utils import signing

from apps.exchanges import hooks
from apps.exchanges.crypto import unseal
from apps.exchanges.models import AccountKind, AccountStatus, AgentWallet, AgentWalletStatus, ExchangeAccount
from apps.trades.models import TradeGroup
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.hyperliquid_server import HyperliquidServer

INIT = "/api/v1/exchanges/agent-wallet/init"
APPROVE = "/api/v1/exchanges/agent-wallet/approve"


def revoke_url(wallet_id: str) -> str:
    return f"/api/v1/exchanges/agent-wallet/{wallet_id}/revoke"


@pytest.fixture
def hyperliquid(settings):
    server = HyperliquidServer().start()
    settings.HYPERLIQUID_API_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def added_accounts(monkeypatch):
    """Account ids the account-added hooks receive, once the transaction commits."""
    seen: list = []
    monkeypatch.setattr(hooks, "_account_added", [seen.append])
    return seen


@pytest.fixture
def master():
    return Account.create()


@pytest.fixture
def trader(db, master):
    return UserFactory(wallet_address=master.address)


@pytest.fixture
def auth(trader):
    return bearer(sign_in(trader))


def sign(master, typed_data: dict) -> str:
    """What a browser wallet's eth_signTypedData_v4 returns for the typed data."""
    return Account.sign_typed_data(master.key, full_message=typed_data).signature.to_0x_hex()


def approve(api, auth, body: dict, master=None, **overrides):
    payload = {"id": body["id"], "nonce": body["nonce"]}
    if master is not None:
        payload["signature"] = sign(master, body["typed_data"])
    return api.post(APPROVE, {**payload, **overrides}, format="json", **auth)


def init(api, auth, **body) -> dict:
    response = api.post(INIT, body, format="json", **auth)
    assert response.status_code == 201, response.json()
    return response.json()


def test_init_makes_a_pending_agent_whose_key_stays_sealed_on_the_server(api, auth, trader, master, hyperliquid):
    body = init(api, auth, name="desk-bot")

    wallet = AgentWallet.objects.get(id=body["id"])
    private_key = unseal(wallet.private_key)
    assert body["status"] == "PENDING"
    assert body["agent_address"] == wallet.address == Account.from_key(private_key).address
    assert body["master_address"] == master.address
    assert private_key not in str(body) and private_key.removeprefix("0x") not in str(body)
    assert private_key.removeprefix("0x") not in wallet.private_key
    assert body["action"] == {
        "type": "approveAgent",
        "signatureChainId": "0x66eee",
        "hyperliquidChain": "Testnet",
        "agentAddress": wallet.address,
        "agentName": "desk-bot",
        "nonce": body["nonce"],
    }
    assert body["typed_data"]["primaryType"] == "HyperliquidTransaction:ApproveAgent"
    assert body["typed_data"]["domain"]["chainId"] == 0x66EEE
    assert body["typed_data"]["message"] == {
        "hyperliquidChain": "Testnet",
        "agentAddress": wallet.address,
        "agentName": "desk-bot",
        "nonce": body["nonce"],
    }


def test_the_approval_names_mainnet_when_it_goes_to_hyperliquids_mainnet(api, auth, settings):
    settings.HYPERLIQUID_API_URL = "https://api.hyperliquid.xyz/"

    body = init(api, auth)

    assert body["action"]["hyperliquidChain"] == body["typed_data"]["message"]["hyperliquidChain"] == "Mainnet"


def test_it_approves_an_agent_signed_by_the_master_wallet(
    api, auth, trader, master, hyperliquid, added_accounts, django_capture_on_commit_callbacks
):
    body = init(api, auth, name="desk-bot")

    with django_capture_on_commit_callbacks(execute=True):
        response = approve(api, auth, body, master)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "APPROVED"
    wallet = AgentWallet.objects.get(id=body["id"])
    account = wallet.exchange_account
    assert wallet.status == AgentWalletStatus.APPROVED and wallet.approved_at is not None
    assert (account.exchange_name, account.kind, account.user) == ("hyperliquid", AccountKind.AGENT_WALLET, trader)
    assert unseal(account.credentials) == {"wallet_address": master.address, "private_key": unseal(wallet.private_key)}
    assert response.json()["exchange_account_id"] == str(account.id)
    assert hyperliquid.agents_of(master.address) == [{"address": wallet.address, "name": "desk-bot"}]
    assert added_accounts == [account.id]
    accounts = api.get("/api/v1/exchanges/accounts", **auth).json()["accounts"]
    assert [(a["exchange_name"], a["kind"]) for a in accounts] == [("hyperliquid", "AGENT_WALLET")]


def test_an_unnamed_agent_is_sent_without_a_name_as_the_sdk_does(api, auth, master, hyperliquid):
    body = init(api, auth)

    response = approve(api, auth, body, master)

    assert response.status_code == 200, response.json()
    sent = hyperliquid.state.requests[-1]["payload"]
    assert "agentName" not in sent["action"]
    assert sent["nonce"] == body["nonce"] and set(sent["signature"]) == {"r", "s", "v"}


def test_a_signature_made_with_the_sdks_sign_agent_is_accepted(api, auth, master, hyperliquid):
    body = init(api, auth, name="sdk")
    action = {"type": "approveAgent", "agentAddress": body["agent_address"], "agentName": "sdk", "nonce": body["nonce"]}
    parts = signing.sign_agent(master, action, is_mainnet=False)
    signature = "0x" + int(parts["r"], 16).to_bytes(32, "big").hex() + int(parts["s"], 16).to_bytes(32, "big").hex()
    signature += f"{parts['v']:02x}"

    response = approve(api, auth, body, signature=signature)

    assert response.status_code == 200, response.json()


def test_a_master_address_given_at_init_is_the_one_that_must_sign(api, db, hyperliquid):
    other_master = Account.create()
    auth = bearer(sign_in(UserFactory()))  # no wallet address on the account
    body = init(api, auth, master_address=other_master.address.lower())

    response = approve(api, auth, body, other_master)

    assert body["master_address"] == other_master.address
    assert response.status_code == 200, response.json()


def test_init_needs_a_master_address_when_the_account_has_no_wallet(api, db):
    response = api.post(INIT, {}, format="json", **bearer(sign_in(UserFactory())))

    assert response.status_code == 400
    assert "master_address" in response.json()["error"]["details"]
    assert not AgentWallet.objects.exists()


def test_init_rejects_a_malformed_master_address(api, auth):
    response = api.post(INIT, {"master_address": "0x1234"}, format="json", **auth)

    assert response.status_code == 400
    assert "master_address" in response.json()["error"]["details"]


def test_it_rejects_an_approval_signed_by_someone_other_than_the_master(api, auth, hyperliquid):
    body = init(api, auth)
    stranger = Account.create()

    response = approve(api, auth, body, stranger)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SIGNER_NOT_MASTER"
    assert stranger.address in response.json()["error"]["message"]
    assert AgentWallet.objects.get(id=body["id"]).status == AgentWalletStatus.PENDING
    assert hyperliquid.state.requests == []
    assert not ExchangeAccount.objects.exists()


def test_it_rejects_a_signature_over_a_different_nonce(api, auth, master, hyperliquid):
    body = init(api, auth)

    response = approve(api, auth, body, master, nonce=body["nonce"] + 1)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SIGNER_NOT_MASTER"


def test_it_rejects_a_stale_nonce(api, auth, master, hyperliquid):
    body = init(api, auth)
    stale = body["nonce"] - 3 * 24 * 3600 * 1000
    typed_data = {**body["typed_data"], "message": {**body["typed_data"]["message"], "nonce": stale}}

    response = approve(api, auth, body, signature=sign(master, typed_data), nonce=stale)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "STALE_NONCE"


def test_it_rejects_a_malformed_signature(api, auth):
    body = init(api, auth)

    response = approve(api, auth, body, signature="0xdead")

    assert response.status_code == 400
    assert "signature" in response.json()["error"]["details"]


def test_a_hyperliquid_refusal_is_a_400_and_leaves_the_wallet_pending(api, auth, master, hyperliquid):
    body = init(api, auth)
    hyperliquid.reject_next("User or API Wallet does not exist.")

    response = approve(api, auth, body, master)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "HYPERLIQUID_REJECTED"
    assert "does not exist" in response.json()["error"]["message"]
    assert AgentWallet.objects.get(id=body["id"]).status == AgentWalletStatus.PENDING
    assert not ExchangeAccount.objects.exists()


@pytest.mark.parametrize("status", [500, 503])
def test_a_failing_hyperliquid_is_a_502(api, auth, master, hyperliquid, status):
    body = init(api, auth)
    hyperliquid.fail_next(status)

    response = approve(api, auth, body, master)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "HYPERLIQUID_UNAVAILABLE"
    assert AgentWallet.objects.get(id=body["id"]).status == AgentWalletStatus.PENDING


def test_an_unreachable_hyperliquid_is_a_502_and_the_wallet_can_be_approved_later(
    api, auth, master, hyperliquid, settings
):
    body = init(api, auth)
    down = HyperliquidServer().start()
    settings.HYPERLIQUID_API_URL = down.url
    down.stop()

    response = approve(api, auth, body, master)
    assert response.status_code == 502
    assert "could not be reached" in response.json()["error"]["message"]

    settings.HYPERLIQUID_API_URL = hyperliquid.url
    assert approve(api, auth, body, master).status_code == 200


def test_approving_twice_is_a_conflict(api, auth, master, hyperliquid):
    body = init(api, auth)
    assert approve(api, auth, body, master).status_code == 200

    response = approve(api, auth, body, master)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "AGENT_WALLET_NOT_PENDING"
    assert ExchangeAccount.objects.count() == 1


def test_another_users_agent_wallet_is_not_found(api, auth, master, hyperliquid):
    body = init(api, auth)
    intruder = bearer(sign_in(UserFactory()))

    approval = approve(api, intruder, body, master)
    revoke = api.delete(revoke_url(body["id"]), **intruder)

    assert approval.status_code == 404 and revoke.status_code == 404
    assert approval.json()["error"]["code"] == "AGENT_WALLET_NOT_FOUND"
    assert AgentWallet.objects.get(id=body["id"]).status == AgentWalletStatus.PENDING


def test_revoking_an_approved_agent_wipes_its_key_and_removes_its_account(api, auth, master, hyperliquid):
    body = init(api, auth)
    approve(api, auth, body, master)

    response = api.delete(revoke_url(body["id"]), **auth)

    assert response.status_code == 200
    assert response.json()["status"] == "REVOKED"
    wallet = AgentWallet.objects.get(id=body["id"])
    account = ExchangeAccount.objects.get(id=wallet.exchange_account_id)
    assert (wallet.status, wallet.private_key) == (AgentWalletStatus.REVOKED, "")
    assert (account.status, account.credentials) == (AccountStatus.REMOVED, "")
    assert api.get("/api/v1/exchanges/accounts", **auth).json()["accounts"] == []
    assert api.delete(revoke_url(body["id"]), **auth).json()["status"] == "REVOKED"


def test_revoking_a_pending_agent_wipes_its_key(api, auth):
    body = init(api, auth)

    response = api.delete(revoke_url(body["id"]), **auth)

    assert response.status_code == 200
    assert AgentWallet.objects.get(id=body["id"]).private_key == ""
    assert approve(api, auth, body, signature="0x" + "11" * 65).status_code == 409


def test_an_agent_with_open_trades_cannot_be_revoked(api, auth, trader, master, hyperliquid):
    body = init(api, auth)
    approve(api, auth, body, master)
    wallet = AgentWallet.objects.get(id=body["id"])
    TradeGroup.objects.create(
        user=trader, exchange_account=wallet.exchange_account, symbol="BTC_USDC", side="buy", quantity=Decimal("1")
    )

    response = api.delete(revoke_url(body["id"]), **auth)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ACCOUNT_HAS_OPEN_TRADES"
    wallet.refresh_from_db()
    assert wallet.status == AgentWalletStatus.APPROVED and wallet.private_key


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", INIT), ("post", APPROVE), ("delete", revoke_url("00000000-0000-0000-0000-000000000000"))],
)
def test_agent_wallet_endpoints_need_a_signed_in_user(api, db, method, path):
    response = getattr(api, method)(path, {}, format="json")

    assert response.status_code == 401
