"""The Django admin for exchange accounts and agent wallets: shown without their secrets."""

from __future__ import annotations

import pytest

from apps.exchanges.crypto import seal
from apps.exchanges.models import AccountStatus, AgentWallet
from tests.accounts.factories import sign_in
from tests.exchanges.factories import ApiKeyAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.cookies["auth_token"] = sign_in(admin_user).access_token
    return client


def test_the_admin_shows_accounts_without_their_credentials(admin_client, user):
    account = ApiKeyAccountFactory(user=user, label="Main desk")
    ApiKeyAccountFactory(label="Gone", status=AccountStatus.REMOVED)

    listing = admin_client.get("/admin/exchanges/exchangeaccount/?status__exact=ACTIVE").content.decode()
    detail = admin_client.get(f"/admin/exchanges/exchangeaccount/{account.pk}/change/").content.decode()

    assert "Main desk" in listing and "Gone" not in listing
    assert "KEY1" in detail
    for page in (listing, detail):
        assert account.credentials not in page and "test-secret" not in page and "test-api-key" not in page


def test_the_admin_remove_action_soft_removes_accounts(admin_client, user):
    account = ApiKeyAccountFactory(user=user)

    response = admin_client.post(
        "/admin/exchanges/exchangeaccount/", {"action": "remove", "_selected_action": [str(account.pk)]}, follow=True
    )

    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.status, account.credentials) == (AccountStatus.REMOVED, "")


def test_the_admin_shows_agent_wallets_without_their_keys(admin_client, user):
    wallet = AgentWallet.objects.create(
        user=user, address="0x" + "12" * 20, master_address="0x" + "ab" * 20, private_key=seal("0x" + "99" * 32)
    )

    page = admin_client.get(f"/admin/exchanges/agentwallet/{wallet.pk}/change/").content.decode()

    assert wallet.address in page
    assert wallet.private_key not in page and "99" * 32 not in page
