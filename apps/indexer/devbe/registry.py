"""The devbe entries: each a name, a kind (`data` or `run`), a parameters serializer and a
function of the validated parameters returning a JSON-ready dict. Adding one is adding an entry
here; nothing else is reachable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import to_checksum_address
from rest_framework import serializers

from apps.core.errors import ApiError
from apps.core.fields import StrictCharField, StrictRegexField
from apps.indexer.presenters import NATIVE_DECIMALS, NATIVE_SYMBOL, format_units, utc_iso
from apps.indexer.selectors import wallet_summary
from apps.indexer.serializers import ADDRESS_PATTERN

# 65 bytes: r, s and v, with v 27/28 (or 0/1, as some wallets write it).
SIGNATURE_PATTERN = r"^0x[0-9a-fA-F]{128}(1[bBcC]|0[01])$"


class AddressField(StrictRegexField):
    """0x and 40 hex digits in any case, checksummed once valid."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "Must be 0x followed by 40 hexadecimal digits."})
        super().__init__(ADDRESS_PATTERN, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return to_checksum_address(super().to_internal_value(data))


class WalletSummaryParams(serializers.Serializer):
    address = AddressField()


class VerifySignatureParams(serializers.Serializer):
    address = AddressField()
    message = StrictCharField(max_length=10_000, allow_blank=True, trim_whitespace=False)
    signature = StrictRegexField(
        SIGNATURE_PATTERN,
        error_messages={
            "invalid": "Must be a 65-byte signature: 0x followed by 130 hexadecimal digits, ending in v "
            "(1b or 1c, or 00 or 01)."
        },
    )


def _wallet_summary(params: dict[str, Any]) -> dict[str, Any]:
    found = wallet_summary(params["address"])
    tokens = []
    for entry in found["token_net"]:
        token = entry["token"] or {}
        symbol, decimals = token.get("symbol") or None, token.get("decimals")
        net = entry["net_raw"]
        if entry["standard"] == "ERC-721":
            display = f"{net} {symbol or 'NFT'}"  # items held, net
        elif decimals is None:
            display = f"{net} raw units" + (f" {symbol}" if symbol else "")
        else:
            display = ("-" if net < 0 else "") + format_units(abs(net), decimals) + (f" {symbol}" if symbol else "")
        tokens.append(
            {
                "contract_address": entry["token_address"],
                "symbol": symbol,
                "standard": entry["standard"],
                "net_raw": str(net),
                "net_display": display,
            }
        )
    return {
        "address": params["address"],
        "transactions_sent": found["transactions_sent"],
        "transactions_received": found["transactions_received"],
        "first_seen_block": found["first_seen_block"],
        "first_seen_at": utc_iso(found["first_seen_at"]),
        "last_seen_block": found["last_seen_block"],
        "last_seen_at": utc_iso(found["last_seen_at"]),
        "native_sent": f"{format_units(found['wei_sent'], NATIVE_DECIMALS)} {NATIVE_SYMBOL}",
        "native_received": f"{format_units(found['wei_received'], NATIVE_DECIMALS)} {NATIVE_SYMBOL}",
        "wei_sent": str(found["wei_sent"]),
        "wei_received": str(found["wei_received"]),
        "token_net_transfers": tokens,
    }


def _verify_signature(params: dict[str, Any]) -> dict[str, Any]:
    """A well-formed signature (65 bytes, a valid v) whose r and s recover no key, or another
    key, is `valid: false`: only the shape is a 400 (the parameter's pattern)."""
    try:
        recovered = Account.recover_message(encode_defunct(text=params["message"]), signature=params["signature"])
    except Exception:  # eth-keys raises several types for an r or s off the curve or out of range
        recovered = None
    return {
        "valid": recovered == params["address"],
        "address": params["address"],
        "recovered_address": recovered,
    }


@dataclass(frozen=True)
class Entry:
    kind: str  # "data" (a query of the index) or "run" (a script)
    params: type[serializers.Serializer]
    handler: Callable[[dict[str, Any]], dict[str, Any]]
    description: str


REGISTRY: dict[tuple[str, str], Entry] = {
    ("data", "walletSummary"): Entry(
        "data",
        WalletSummaryParams,
        _wallet_summary,
        "What the index knows of an address: transactions sent and received, first and last "
        "block seen, ETH sent and received (exact), each token's net transfers.",
    ),
    ("run", "verifySignature"): Entry(
        "run",
        VerifySignatureParams,
        _verify_signature,
        "Recover the signer of an EIP-191 personal message and compare it with `address`.",
    ),
}


def find(kind: str, name: str) -> Entry:
    entry = REGISTRY.get((kind, name))
    if entry is None:
        known = ", ".join(sorted(n for k, n in REGISTRY if k == kind))
        raise ApiError(status=404, message=f"Unknown devbe {kind} {name!r} (known: {known}).")
    return entry
