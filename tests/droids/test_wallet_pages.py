"""/droids/wallets: a trader adds a funding wallet, made here or imported from a key; the key is
sealed, never shown, and a bad or repeated key is an error on the form that writes nothing."""

from __future__ import annotations

import pytest
from eth_account import Account

from apps.droids.models import DroidAccount
from apps.exchanges.crypto import unseal
from tests.droids.test_pages import client_of

pytestmark = pytest.mark.django_db
URL = "/droids/wallets"


def test_a_wallet_made_here_is_listed_by_address_and_its_key_is_sealed():
    client, user = client_of("OPERATOR")

    response = client.post(URL, {"label": "ladder money", "private_key": ""}, follow=True)

    wallet = DroidAccount.objects.get(user=user)
    key = unseal(wallet.private_key)
    assert Account.from_key(key).address == wallet.address
    assert wallet.address in response.content.decode()
    assert key.removeprefix("0x") not in response.content.decode()
    assert "ladder money" in response.content.decode()


def test_an_imported_key_gives_its_own_address_and_is_never_echoed():
    client, user = client_of("OPERATOR")
    held = Account.create()

    response = client.post(URL, {"label": "", "private_key": held.key.hex()}, follow=True)

    assert DroidAccount.objects.get(user=user).address == held.address
    assert held.key.hex().removeprefix("0x") not in response.content.decode()


@pytest.mark.parametrize("key", ["not a key", "0x1234", "0x" + "zz" * 32])
def test_a_key_that_is_no_key_is_an_error_on_the_form_and_writes_nothing(key):
    client, _ = client_of("OPERATOR")

    response = client.post(URL, {"private_key": key})

    assert response.status_code == 400
    assert "Not a valid private key." in response.content.decode()
    assert key not in response.content.decode()
    assert not DroidAccount.objects.exists()


def test_a_wallet_already_registered_is_refused():
    client, _ = client_of("OPERATOR")
    held = Account.create()
    client.post(URL, {"private_key": held.key.hex()})

    again = client.post(URL, {"private_key": held.key.hex()})

    assert again.status_code == 400
    assert f"The wallet {held.address} is already registered" in again.content.decode()
    assert DroidAccount.objects.count() == 1


def test_a_viewer_sees_the_page_but_cannot_add_a_wallet():
    client, _ = client_of("VIEWER")

    assert "Add a wallet" not in client.get(URL).content.decode()
    assert client.post(URL, {"private_key": ""}).status_code == 403
    assert not DroidAccount.objects.exists()


def test_the_new_droid_form_points_a_trader_without_a_wallet_here():
    client, _ = client_of("OPERATOR")

    assert 'href="/droids/wallets"' in client.get("/droids/new").content.decode()
