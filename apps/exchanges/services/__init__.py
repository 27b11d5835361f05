"""Every write to exchange accounts and agent wallets."""

from apps.exchanges.services.accounts import (
    ConnectionCheck,
    add_exchange_account,
    add_paper_account,
    check_connection,
    key_fingerprint,
    remove_exchange_account,
)
from apps.exchanges.services.agent_wallets import approve_agent_wallet, init_agent_wallet, revoke_agent_wallet
from apps.exchanges.services.rotation import RotationCounts, rotate_encryption_keys

__all__ = [
    "ConnectionCheck",
    "RotationCounts",
    "add_exchange_account",
    "add_paper_account",
    "approve_agent_wallet",
    "check_connection",
    "init_agent_wallet",
    "key_fingerprint",
    "remove_exchange_account",
    "revoke_agent_wallet",
    "rotate_encryption_keys",
]
