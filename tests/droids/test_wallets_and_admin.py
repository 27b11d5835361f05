"""Droid wallets (the key sealed, the address derived from it) and the admin pages, which show
droids with their sessions and bots and never a wallet's key."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from eth_account import Account

from apps.droids.services import create_droid_account
from apps.exchanges.crypto import unseal
from tests.accounts.factories import sign_in
from tests.droids.factories import (
    DroidBotFactory,
    DroidFactory,
    DroidHistoryFactory,
    DroidPoolFactory,
    DroidSessionFactory,
)

pytestmark = pytest.mark.django_db


def test_a_wallet_keeps_its_key_sealed_and_its_checksum_address(user):
    key = Account.create()

    account = create_droid_account(user=user, private_key=key.key.hex(), label="main", chain_id=31337)

    account.refresh_from_db()
    assert account.address == key.address  # checksummed
    assert key.key.hex() not in account.private_key
    assert unseal(account.private_key) == key.key.hex()


def test_a_key_that_is_no_key_is_refused(user):
    with pytest.raises(ValidationError, match="Not a valid private key"):
        create_droid_account(user=user, private_key="0x1234", label="", chain_id=31337)


def test_the_same_wallet_twice_on_a_chain_is_refused(user, admin_user):
    key = Account.create().key.hex()
    create_droid_account(user=user, private_key=key, label="", chain_id=31337)

    with pytest.raises(ValidationError):
        create_droid_account(user=admin_user, private_key=key, label="", chain_id=31337)
    assert create_droid_account(user=user, private_key=key, label="", chain_id=1).chain_id == 1


@pytest.fixture
def admin_client(client, admin_user):
    client.cookies["auth_token"] = sign_in(admin_user).access_token
    return client


def test_the_admin_shows_a_droid_with_its_sessions_and_bots(admin_client, user):
    droid = DroidFactory(owner=user)
    DroidSessionFactory(droid=droid, started_by=user, reason="started by hand")
    DroidBotFactory(droid=droid, token_id=0xBEEF)
    DroidHistoryFactory(droid=droid)
    DroidPoolFactory()

    pages = {
        "list": admin_client.get("/admin/droids/droid/"),
        "detail": admin_client.get(f"/admin/droids/droid/{droid.pk}/change/"),
        "pools": admin_client.get("/admin/droids/droidpool/"),
        "runs": admin_client.get("/admin/droids/droidrun/"),
        "history": admin_client.get("/admin/droids/droidhistory/?q=1"),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    detail = pages["detail"].content.decode()
    assert "started by hand" in detail and "0xbeef" in detail


def test_the_admin_never_shows_a_wallets_key(admin_client, user):
    key = Account.create().key.hex()
    account = create_droid_account(user=user, private_key=key, label="main", chain_id=31337)

    listing = admin_client.get("/admin/droids/droidaccount/").content.decode()
    detail = admin_client.get(f"/admin/droids/droidaccount/{account.pk}/change/").content.decode()

    assert account.address in listing and account.address in detail
    for page in (listing, detail):
        assert account.private_key not in page and key not in page and key.removeprefix("0x") not in page
