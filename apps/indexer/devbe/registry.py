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

SIGNATURE_PATTERN = r"^0x[0-9a-fA-F]{130}$"


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
    message = StrictCharField(max_length=10_000, trim_whitespace=False)
    signature = StrictRegexField(
        SIGNATURE_PATTERN,
        error_messages={"invalid": "Must be a 65-byte signature: 0x followed by 130 hexadecimal digits."},
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
    try:
        recovered = Account.recover_message(encode_defunct(text=params["message"]), signature=params["signature"])
    except Exception as exc:  # eth-keys raises several types for an impossible v, r or s
        raise ApiError(
            status=400, message=f"signature is not a valid secp256k1 signature ({type(exc).__name__})."
        ) from None
    return {"valid": recovered == params["address"], "address": params["address"], "recovered_address": recovered}


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
