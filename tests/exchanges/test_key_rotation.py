"""`manage.py rotate_encryption_keys`: every sealed secret moves to the newest key."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from apps.exchanges.crypto import InvalidToken, seal, unseal
from apps.exchanges.models import AgentWallet, ExchangeAccount
from tests.exchanges.factories import ApiKeyAccountFactory, ExchangeAccountFactory

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def make_secrets(count: int) -> tuple[list[ExchangeAccount], list[AgentWallet]]:
    accounts = [
        ApiKeyAccountFactory(credentials=seal({"api_key": f"key-{n}", "secret": f"secret-{n}"})) for n in range(count)
    ]
    wallets = [
        AgentWallet.objects.create(
            user=accounts[0].user,
            address=f"0x{n:040x}",
            master_address="0x" + "ab" * 20,
            private_key=seal(f"0x{n:064x}"),
        )
        for n in range(count)
    ]
    return accounts, wallets


def rotate(**options) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue()


def test_it_reseals_every_secret_so_the_old_key_can_be_dropped(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    accounts, wallets = make_secrets(5)
    ExchangeAccountFactory()  # a paper account has nothing sealed

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    output = rotate(batch_size=2)

    assert "Resealed 5 exchange account credential(s)." in output
    assert "Resealed 5 agent wallet key(s)." in output
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    for n, account in enumerate(accounts):
        account.refresh_from_db()
        assert unseal(account.credentials) == {"api_key": f"key-{n}", "secret": f"secret-{n}"}
    for n, wallet in enumerate(wallets):
        wallet.refresh_from_db()
        assert unseal(wallet.private_key) == f"0x{n:064x}"


def test_without_a_rotation_dropping_the_old_key_locks_secrets_out(db, settings):
    # The counterpart of the test above: it is the rotation that makes dropping the key safe.
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    [account], _ = make_secrets(1)

    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(InvalidToken):
        unseal(ExchangeAccount.objects.get(pk=account.pk).credentials)


def test_it_skips_wiped_secrets(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    accounts, wallets = make_secrets(2)
    ExchangeAccount.objects.filter(pk=accounts[0].pk).update(credentials="")
    AgentWallet.objects.filter(pk=wallets[0].pk).update(private_key="")

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    output = rotate()

    assert "Resealed 1 exchange account credential(s)." in output
    assert ExchangeAccount.objects.get(pk=accounts[0].pk).credentials == ""


def test_it_refuses_to_run_when_a_secret_opens_with_no_configured_key(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    make_secrets(1)

    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(CommandError, match="keep every old key listed"):
        rotate()


def test_it_rejects_a_batch_size_below_one(db):
    with pytest.raises(CommandError):
        rotate(batch_size=0)
