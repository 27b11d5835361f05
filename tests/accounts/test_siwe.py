"""Seed 003's Sign-In with Ethereum: nonce, verify-siwe, and what a message must hold."""

from datetime import UTC, datetime

import pytest
from eth_account import Account

from apps.accounts.models import Role, Status, User
from tests.accounts.factories import UserFactory
from tests.accounts.siwe_helpers import minutes, sign, siwe_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return Account.create()


def nonce(api) -> str:
    response = api.get("/api/v1/auth/nonce")
    assert response.status_code == 200
    return response.json()["nonce"]


def verify(api, message, signature):
    return api.post("/api/v1/auth/verify-siwe", {"message": message, "signature": signature}, format="json")


def signed(api, account, **fields):
    message = siwe_message(account, nonce(api), **fields)
    return message, sign(account, message)


def test_the_nonce_is_fresh_each_time_and_says_when_it_expires(api):
    first, second = api.get("/api/v1/auth/nonce").json(), api.get("/api/v1/auth/nonce").json()
    assert first["nonce"] != second["nonce"]
    assert len(first["nonce"]) >= 16 and first["nonce"].isalnum()
    assert first["expires_in"] == 600


def test_a_known_wallet_signs_in_and_gets_strict_secure_cookies(api, account):
    user = UserFactory(email=None, wallet_address=account.address)
    response = verify(api, *signed(api, account))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["wallet_address"] == account.address
    assert body["expires_in"] == 900
    for name, max_age in (("access_token", 900), ("refresh_token", 7 * 24 * 3600)):
        cookie = response.cookies[name]
        assert cookie["httponly"] and cookie["secure"]
        assert cookie["samesite"] == "Strict"
        assert int(cookie["max-age"]) == max_age
    assert api.get("/api/v1/auth/me").json()["wallet_address"] == account.address


def test_the_first_wallet_ever_becomes_the_admin(api, account):
    response = verify(api, *signed(api, account))
    assert response.status_code == 200
    assert response.json()["user"]["role"] == Role.ADMIN


def test_a_new_wallet_becomes_a_pending_user_and_is_refused(api, account):
    UserFactory(role=Role.ADMIN)
    response = verify(api, *signed(api, account))
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "ACCOUNT_PENDING", "message": "Your account is pending admin approval."}
    }
    user = User.objects.get(wallet_address=account.address)
    # Waiting with the role approval will grant unless the admin picks another.
    assert (user.status, user.role) == (Status.PENDING, Role.OPERATOR)
    assert "access_token" not in response.cookies


def test_a_replayed_nonce_is_refused(api, account):
    UserFactory(email=None, wallet_address=account.address)
    message, signature = signed(api, account)
    assert verify(api, message, signature).status_code == 200
    replay = verify(api, message, signature)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "INVALID_NONCE"


def test_a_nonce_the_server_never_issued_is_refused(api, account):
    UserFactory(email=None, wallet_address=account.address)
    message = siwe_message(account, "abcdef0123456789abcdef0123456789")
    response = verify(api, message, sign(account, message))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_NONCE"


def test_a_message_for_another_domain_is_refused(api, account):
    UserFactory(email=None, wallet_address=account.address)
    response = verify(api, *signed(api, account, domain="evil.example"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIWE_DOMAIN_MISMATCH"


def test_a_uri_outside_the_domain_is_refused(api, account):
    UserFactory(email=None, wallet_address=account.address)
    response = verify(api, *signed(api, account, uri="https://evil.example/login"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIWE_URI_MISMATCH"


def test_a_message_for_another_chain_is_refused(api, account):
    UserFactory(email=None, wallet_address=account.address)
    response = verify(api, *signed(api, account, chain_id=137))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIWE_CHAIN_MISMATCH"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"issued_at": datetime.now(UTC) + minutes(30)}, "SIWE_NOT_YET_VALID"),
        ({"issued_at": datetime.now(UTC) - minutes(60)}, "SIWE_EXPIRED"),
        ({"expiration": datetime.now(UTC) - minutes(1)}, "SIWE_EXPIRED"),
    ],
)
def test_time_fields_are_checked(api, account, fields, code):
    UserFactory(email=None, wallet_address=account.address)
    response = verify(api, *signed(api, account, **fields))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_a_signature_by_another_key_is_refused_and_keeps_the_nonce_usable(api, account):
    UserFactory(email=None, wallet_address=account.address)
    message = siwe_message(account, nonce(api))
    forged = verify(api, message, sign(Account.create(), message))
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert verify(api, message, sign(account, message)).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "hello", "signature": "0x" + "11" * 65}, None),
        ({"message": "x"}, "signature"),
        ({"signature": "0x12"}, "signature"),
    ],
)
def test_malformed_input_is_a_400_in_the_desk_envelope(api, body, field):
    response = api.post("/api/v1/auth/verify-siwe", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) >= {"code", "message"}
    if field:
        assert field in error["details"]


def test_a_suspended_wallet_user_is_refused(api, account):
    UserFactory(email=None, wallet_address=account.address, status=Status.SUSPENDED)
    response = verify(api, *signed(api, account))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ACCOUNT_SUSPENDED"


def test_email_and_wallet_are_one_identity(api, account):
    from tests.accounts.factories import PASSWORD

    user = UserFactory(email="both@example.com", wallet_address=account.address)
    by_wallet = verify(api, *signed(api, account)).json()["user"]["id"]
    login = api.post("/api/auth/login", {"email": "both@example.com", "password": PASSWORD}, format="json")
    assert by_wallet == login.json()["user"]["userId"] == str(user.id)
