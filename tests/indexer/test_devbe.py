"""GET /api/devbe/data/{queryType} and /api/devbe/run/{script} (seed 004): the allow-list,
typed parameters, OPERATOR/ADMIN only, and the audit of every call after authentication."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from apps.accounts.models import Role, Status
from apps.accounts.services import create_api_token
from apps.indexer.models import DevbeCall, Token
from tests.accounts.factories import PASSWORD, UserFactory
from tests.indexer.factories import (
    BlockFactory,
    TokenFactory,
    TokenTransferFactory,
    TransactionFactory,
    address,
)
from tests.indexer.test_api_transactions import assert_error

pytestmark = pytest.mark.django_db
SIGNER = Account.from_key("0x" + "11" * 32)
WALLET = address(0xD8DA)


def client_for(api, **user_fields):
    user = UserFactory(**user_fields)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user)}")
    return api, user


def signed(message: str, account=SIGNER) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def test_an_operator_verifies_a_signature_and_the_call_is_audited(api):
    client, user = client_for(api, role=Role.OPERATOR)
    query = {"address": SIGNER.address.lower(), "message": "hello", "signature": signed("hello")}

    response = client.get("/api/devbe/run/verifySignature", query)

    assert response.status_code == 200
    assert response.json() == {"valid": True, "address": SIGNER.address, "recovered_address": SIGNER.address}
    call = DevbeCall.objects.get()
    assert (call.user, call.kind, call.name, call.status_code) == (user, "run", "verifySignature", 200)
    assert call.params == query
    assert call.duration_ms >= 0


def test_another_signers_signature_is_valid_false_not_an_error(api):
    client, _ = client_for(api, role=Role.ADMIN)
    other = Account.from_key("0x" + "22" * 32)
    response = client.get(
        "/api/devbe/run/verifySignature",
        {"address": SIGNER.address, "message": "hello", "signature": signed("hello", other)},
    )
    assert response.status_code == 200
    assert response.json() == {"valid": False, "address": SIGNER.address, "recovered_address": other.address}


@pytest.mark.parametrize(
    ("signature", "words"),
    [
        ("0x1234", "signature: Must be a 65-byte signature"),
        ("0x" + "ff" * 64 + "05", "signature: Must be a 65-byte signature"),
        ("0x" + "ab" * 66, "signature: Must be a 65-byte signature"),
    ],
)
def test_a_malformed_signature_is_a_400(api, signature, words):
    client, _ = client_for(api)
    response = client.get(
        "/api/devbe/run/verifySignature", {"address": SIGNER.address, "message": "hi", "signature": signature}
    )
    assert_error(response, 400, words)
    assert DevbeCall.objects.get().status_code == 400


def test_a_well_formed_signature_that_recovers_no_key_is_valid_false(api):
    client, _ = client_for(api)
    response = client.get(
        "/api/devbe/run/verifySignature",
        {"address": SIGNER.address, "message": "hi", "signature": "0x" + "00" * 64 + "1b"},
    )
    assert response.status_code == 200
    assert response.json() == {"valid": False, "address": SIGNER.address, "recovered_address": None}


@pytest.mark.parametrize(
    ("path", "query", "words"),
    [
        ("/api/devbe/data/walletSummary", {}, "address: This field is required."),
        ("/api/devbe/data/walletSummary", {"address": "0xnope"}, "address: Must be 0x followed by 40"),
        ("/api/devbe/data/walletSummary", {"address": WALLET, "sql": "select 1"}, "unknown filter: sql"),
        ("/api/devbe/run/verifySignature", {"address": WALLET, "signature": "0x" + "00" * 65}, "message: This field"),
    ],
)
def test_bad_parameters_are_a_400_and_audited(api, path, query, words):
    client, _ = client_for(api)
    assert_error(client.get(path, query), 400, words)
    assert DevbeCall.objects.get().status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/devbe/data/dropTables", "/api/devbe/run/walletSummary", "/api/devbe/data/verifySignature"]
)
def test_an_unknown_name_or_one_of_the_other_kind_is_a_404_and_audited(api, path):
    client, _ = client_for(api)
    assert_error(client.get(path), 404, "Unknown devbe")
    call = DevbeCall.objects.get()
    assert (call.status_code, call.name) == (404, path.rsplit("/", 1)[1])


@pytest.mark.parametrize(
    "fields", [{"role": Role.VIEWER}, {"role": Role.OPERATOR, "status": Status.PENDING}, {"status": Status.SUSPENDED}]
)
def test_viewers_and_inactive_accounts_are_refused_with_a_403_that_is_audited(api, fields):
    client, user = client_for(api, **fields)
    response = client.get("/api/devbe/data/walletSummary", {"address": WALLET})
    assert response.status_code == 403
    assert response.json()["code"] == "403"
    call = DevbeCall.objects.get()
    assert (call.user, call.status_code) == (user, 403)


def test_without_credentials_it_is_a_401_with_nobody_to_audit(api):
    assert_error(api.get("/api/devbe/data/walletSummary", {"address": WALLET}), 401, "")
    assert not DevbeCall.objects.exists()


def test_the_session_cookie_of_a_signed_in_admin_is_enough(api):
    admin = UserFactory(role=Role.ADMIN)
    assert api.post("/api/auth/login", {"email": admin.email, "password": PASSWORD}, format="json").status_code == 200
    response = api.get("/api/devbe/data/walletSummary", {"address": WALLET})
    assert response.status_code == 200
    assert DevbeCall.objects.get().user == admin


def test_wallet_summary_counts_exact_eth_and_net_token_amounts_from_the_index(api):
    client, _ = client_for(api, role=Role.ADMIN)
    first = BlockFactory(number=100)
    last = BlockFactory(number=105)
    TransactionFactory(block=first, from_address=WALLET, value=2**70 + 1)
    TransactionFactory(block=first, from_address=WALLET, value=1)
    received = TransactionFactory(block=BlockFactory(number=103), to_address=WALLET, value=5 * 10**17)
    usdc = TokenFactory()
    nft = TokenFactory(standard=Token.ERC721, symbol="PUNK", decimals=None)
    TokenTransferFactory(transaction=received, token_address=usdc.address, to_address=WALLET, amount=250_000_000)
    TokenTransferFactory(transaction=received, token_address=usdc.address, from_address=WALLET, amount=1)
    TokenTransferFactory(
        transaction=TransactionFactory(block=last), token_address=nft.address, standard=Token.ERC721,
        to_address=WALLET, amount=None, token_id=9,
    )  # fmt: skip
    TransactionFactory(block=BlockFactory(number=110))  # not the wallet's

    body = client.get("/api/devbe/data/walletSummary", {"address": WALLET.lower()}).json()

    assert body == {
        "address": WALLET,
        "transactions_sent": 2,
        "transactions_received": 1,
        "first_seen_block": 100,
        "first_seen_at": first.timestamp.isoformat().replace("+00:00", "Z"),
        "last_seen_block": 105,
        "last_seen_at": last.timestamp.isoformat().replace("+00:00", "Z"),
        "native_sent": "1180.591620717411303426 ETH",
        "native_received": "0.50 ETH",
        "wei_sent": str(2**70 + 2),
        "wei_received": str(5 * 10**17),
        "token_net_transfers": [
            {
                "contract_address": usdc.address,
                "symbol": "USDC",
                "standard": "ERC-20",
                "net_raw": "249999999",
                "net_display": "249.999999 USDC",
            },
            {
                "contract_address": nft.address,
                "symbol": "PUNK",
                "standard": "ERC-721",
                "net_raw": "1",
                "net_display": "1 PUNK",
            },
        ],
    }


def test_wallet_summary_of_an_unknown_address_is_empty_not_an_error(api):
    client, _ = client_for(api)
    body = client.get("/api/devbe/data/walletSummary", {"address": WALLET}).json()
    assert (body["transactions_sent"], body["first_seen_block"], body["native_sent"], body["token_net_transfers"]) == (
        0,
        None,
        "0.00 ETH",
        [],
    )
