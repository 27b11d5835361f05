"""Checking a status's `enclave_signature` against the attested enclave key.

The gateway signs (EIP-191 personal_sign) the canonical JSON, keys sorted and no spaces, of
{"balance_report", "closed_reason", "job_id", "state"} taken from the status it answers. So
anyone holding the status and the attested `tee_pubkey` can check it; a report changed in any
field no longer recovers to the enclave's address."""

from __future__ import annotations

import json
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys import keys

SIGNED_FIELDS = ("balance_report", "closed_reason", "job_id", "state")


def signed_payload(status: dict[str, Any]) -> str:
    return json.dumps({name: status.get(name) for name in SIGNED_FIELDS}, sort_keys=True, separators=(",", ":"))


def address_of(tee_pubkey: str) -> str:
    raw = bytes.fromhex(tee_pubkey.removeprefix("0x"))
    if len(raw) == 65 and raw[0] == 4:
        raw = raw[1:]
    return keys.PublicKey(raw).to_checksum_address()


def verify_report(status: dict[str, Any], *, tee_pubkey: str) -> bool:
    """Whether `status` carries the attested enclave's signature over exactly its report."""
    signature = status.get("enclave_signature")
    if not isinstance(signature, str):
        return False
    try:
        signer = Account.recover_message(encode_defunct(text=signed_payload(status)), signature=signature)
        return signer == address_of(tee_pubkey)
    except Exception:  # a malformed key or signature is simply not a valid one
        return False
