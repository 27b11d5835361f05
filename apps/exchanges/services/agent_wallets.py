"""Hyperliquid agent wallets: a key made here, approved by the trader's master wallet.

1. `init_agent_wallet` makes the agent keypair (the private key is sealed at once and never
   leaves the server) and returns the `approveAgent` action with its EIP-712 typed data, built
   with hyperliquid-python-sdk's signing helpers, for the master wallet to sign
   (`eth_signTypedData_v4`).
2. `approve_agent_wallet` recovers the signer from that typed data, refuses anyone but the
   master, submits the signed action to Hyperliquid, and only then stores an APPROVED wallet and
   its `hyperliquid` exchange account.
3. `revoke_agent_wallet` wipes the key: with no key the agent can never sign again, which is
   what revocation means on Hyperliquid too (an agent has no standing of its own without it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from eth_account import Account
from eth_utils import to_checksum_address, to_hex
from hyperliquid.utils import signing

from apps.accounts.models import User
from apps.core.errors import ApiError
from apps.exchanges import hooks, hyperliquid_client
from apps.exchanges.crypto import seal, unseal
from apps.exchanges.models import AccountKind, AgentWallet, AgentWalletStatus, ExchangeAccount
from apps.exchanges.selectors import HYPERLIQUID, agent_wallet_for
from apps.exchanges.services.accounts import remove_exchange_account, wipe_agent_key

# The typed fields `hyperliquid.utils.signing.sign_agent` signs, in its order.
APPROVE_AGENT_TYPES = [
    {"name": "hyperliquidChain", "type": "string"},
    {"name": "agentAddress", "type": "address"},
    {"name": "agentName", "type": "string"},
    {"name": "nonce", "type": "uint64"},
]
APPROVE_AGENT_PRIMARY_TYPE = "HyperliquidTransaction:ApproveAgent"
# The chain the wallet signs on; any works (the SDK uses 0x66eee). `hyperliquidChain` is what
# stops a mainnet approval from being replayed on testnet.
SIGNATURE_CHAIN_ID = "0x66eee"
# Hyperliquid accepts a nonce (a millisecond time) within (now - 2 days, now + 1 day).
NONCE_MAX_AGE_MS = 2 * 24 * 3600 * 1000
NONCE_MAX_AHEAD_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class AgentApproval:
    """A pending agent wallet and what its master must sign to approve it."""

    wallet: AgentWallet
    nonce: int
    action: dict[str, Any]
    typed_data: dict[str, Any]


def approve_agent_action(*, wallet: AgentWallet, nonce: int) -> dict[str, Any]:
    return {
        "type": "approveAgent",
        "signatureChainId": SIGNATURE_CHAIN_ID,
        "hyperliquidChain": "Mainnet" if hyperliquid_client.is_mainnet() else "Testnet",
        "agentAddress": wallet.address,
        "agentName": wallet.name,
        "nonce": nonce,
    }


def approval_typed_data(action: dict[str, Any]) -> dict[str, Any]:
    """The EIP-712 document the master wallet signs (only the typed fields in the message)."""
    typed_data = signing.user_signed_payload(APPROVE_AGENT_PRIMARY_TYPE, APPROVE_AGENT_TYPES, action)
    typed_data["message"] = {field["name"]: action[field["name"]] for field in APPROVE_AGENT_TYPES}
    return typed_data


@transaction.atomic
def init_agent_wallet(*, user: User, master_address: str = "", name: str = "") -> AgentApproval:
    master = master_address or user.wallet_address
    if not master:
        raise ValidationError(
            {"master_address": ["Give the master wallet's address: your account has no wallet address."]}
        )
    private_key = "0x" + secrets.token_hex(32)
    wallet = AgentWallet(
        user=user,
        name=name,
        address=Account.from_key(private_key).address,
        master_address=to_checksum_address(master),
        private_key=seal(private_key),
    )
    wallet.full_clean()
    wallet.save(force_insert=True)
    nonce = signing.get_timestamp_ms()
    action = approve_agent_action(wallet=wallet, nonce=nonce)
    return AgentApproval(wallet=wallet, nonce=nonce, action=action, typed_data=approval_typed_data(action))


def _signature_parts(signature: str) -> dict[str, Any]:
    """`0x` + 65 bytes (r, s, v) as wallets return it -> Hyperliquid's {"r", "s", "v"}."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 65:
        raise ApiError(status=400, code="INVALID_SIGNATURE", message="signature must be 0x followed by 65 hex bytes.")
    v = raw[64] + 27 if raw[64] < 27 else raw[64]
    return {"r": to_hex(int.from_bytes(raw[:32], "big")), "s": to_hex(int.from_bytes(raw[32:64], "big")), "v": v}


def _check_nonce(nonce: int) -> None:
    now = signing.get_timestamp_ms()
    if not now - NONCE_MAX_AGE_MS < nonce < now + NONCE_MAX_AHEAD_MS:
        raise ApiError(
            status=400,
            code="STALE_NONCE",
            message="nonce must be a millisecond timestamp within the last two days; start again with init.",
        )


def approve_agent_wallet(*, user: User, wallet_id: UUID | str, signature: str, nonce: int) -> AgentWallet:
    """Check the master's signature, submit the approval to Hyperliquid, then record it.

    Nothing is stored unless Hyperliquid accepted the approval; its refusal is a 400
    HYPERLIQUID_REJECTED and an unreachable Hyperliquid a 502, with the wallet still PENDING.
    """
    wallet = agent_wallet_for(user=user, wallet_id=wallet_id)
    _refuse_unless_pending(wallet)
    _check_nonce(nonce)
    parts = _signature_parts(signature)
    action = approve_agent_action(wallet=wallet, nonce=nonce)
    try:
        signer = signing.recover_user_from_user_signed_action(
            dict(action), parts, APPROVE_AGENT_TYPES, APPROVE_AGENT_PRIMARY_TYPE, hyperliquid_client.is_mainnet()
        )
    except Exception:  # a malformed (r, s, v) recovers nothing
        raise ApiError(status=400, code="INVALID_SIGNATURE", message="The signature does not recover.") from None
    if signer.lower() != wallet.master_address.lower():
        raise ApiError(
            status=400,
            code="SIGNER_NOT_MASTER",
            message=f"The approval was signed by {signer}, not by the master wallet {wallet.master_address}.",
        )
    if not wallet.name:
        # As the SDK does: an unnamed agent is signed with agentName "" and sent without the field.
        del action["agentName"]
    hyperliquid_client.post_action(action=action, nonce=nonce, signature=parts)
    return _record_approval(wallet_id=wallet.pk)


def _refuse_unless_pending(wallet: AgentWallet) -> None:
    if wallet.status != AgentWalletStatus.PENDING:
        raise ApiError(
            status=409, code="AGENT_WALLET_NOT_PENDING", message=f"This agent wallet is already {wallet.status}."
        )


@transaction.atomic
def _record_approval(*, wallet_id: UUID) -> AgentWallet:
    wallet = AgentWallet.objects.select_for_update().get(pk=wallet_id)
    _refuse_unless_pending(wallet)
    account = ExchangeAccount.objects.create(
        user_id=wallet.user_id,
        exchange_name=HYPERLIQUID,
        kind=AccountKind.AGENT_WALLET,
        label=wallet.name or "Hyperliquid agent",
        credentials=seal({"wallet_address": wallet.master_address, "private_key": unseal(wallet.private_key)}),
        key_hint=wallet.address[-4:],
    )
    wallet.status = AgentWalletStatus.APPROVED
    wallet.approved_at = timezone.now()
    wallet.exchange_account = account
    wallet.save(update_fields=["status", "approved_at", "exchange_account"])
    hooks.account_added(account.id)
    return wallet


@transaction.atomic
def revoke_agent_wallet(*, wallet: AgentWallet) -> AgentWallet:
    """Wipe the agent's key and remove its exchange account (409 while trades are open on it)."""
    if wallet.exchange_account_id is not None:
        # Locks the account, then the wallet, and revokes the wallet with it.
        remove_exchange_account(account=wallet.exchange_account)
    wallet = AgentWallet.objects.select_for_update().get(pk=wallet.pk)
    wipe_agent_key(wallet, now=timezone.now())
    return wallet
