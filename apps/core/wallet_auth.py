"""Wallet-signature auth for the agent-jobs writes (seeds 000-002).

A client signs `AACP:<scope>:<jobId>:<timestamp_ms>` with EIP-191 (personal_sign) and sends
`X-Wallet-Address`, `X-Wallet-Signature` and `X-Wallet-Timestamp`. The timestamp must be within
five minutes either way, and each signed message is accepted once.
"""

from __future__ import annotations

import hashlib
import re
import time

from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import to_checksum_address
from rest_framework.request import Request

from apps.core.errors import ApiError

MAX_SKEW_MS = 5 * 60 * 1000
# Remembered a little longer than a timestamp can stay acceptable, so no replay outlives it.
REPLAY_WINDOW_SECONDS = 2 * MAX_SKEW_MS // 1000 + 60
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")
_TIMESTAMP = re.compile(r"^\d{1,16}$")

WALLET_AUTH_PARAMETERS = [
    OpenApiParameter("X-Wallet-Address", str, OpenApiParameter.HEADER, required=True, description="0x address"),
    OpenApiParameter(
        "X-Wallet-Signature",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="EIP-191 signature of AACP:<scope>:<jobId>:<timestamp_ms>",
    ),
    OpenApiParameter("X-Wallet-Timestamp", str, OpenApiParameter.HEADER, required=True, description="unix ms"),
]


def wallet_message(*, scope: str, job_id: str, timestamp_ms: int | str) -> str:
    return f"AACP:{scope}:{job_id}:{timestamp_ms}"


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(status=401, code=code, message=message)


def verify_wallet_signature(request: Request, *, scope: str, job_id: str, now_ms: int | None = None) -> str:
    """The checksummed address that signed this request for `scope` and `job_id`, or a 401
    saying exactly what is wrong: a missing header, a malformed one, a stale or future
    timestamp, a signature by someone else, or a message already used."""
    address = request.headers.get("X-Wallet-Address", "").strip()
    signature = request.headers.get("X-Wallet-Signature", "").strip()
    timestamp = request.headers.get("X-Wallet-Timestamp", "").strip()
    missing = [
        name
        for name, value in (
            ("X-Wallet-Address", address),
            ("X-Wallet-Signature", signature),
            ("X-Wallet-Timestamp", timestamp),
        )
        if not value
    ]
    if missing:
        raise _refuse("WALLET_AUTH_MISSING", f"Missing header(s): {', '.join(missing)}.")
    if not _ADDRESS.match(address):
        raise _refuse("WALLET_ADDRESS_INVALID", "X-Wallet-Address must be a 0x-prefixed 20-byte hex address.")
    if not _SIGNATURE.match(signature):
        raise _refuse("WALLET_SIGNATURE_INVALID", "X-Wallet-Signature must be a 65-byte 0x-hex signature.")
    if not _TIMESTAMP.match(timestamp):
        raise _refuse("WALLET_TIMESTAMP_INVALID", "X-Wallet-Timestamp must be unix time in milliseconds.")

    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    skew = int(timestamp) - now_ms
    if skew > MAX_SKEW_MS:
        raise _refuse("WALLET_TIMESTAMP_FUTURE", "X-Wallet-Timestamp is more than 5 minutes in the future.")
    if skew < -MAX_SKEW_MS:
        raise _refuse("WALLET_TIMESTAMP_STALE", "X-Wallet-Timestamp is more than 5 minutes old; sign again.")

    message = wallet_message(scope=scope, job_id=job_id, timestamp_ms=timestamp)
    try:
        signer = Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # eth-account raises several types for unrecoverable signatures
        signer = None
    claimed = to_checksum_address(address)
    if signer != claimed:
        raise _refuse("WALLET_SIGNATURE_INVALID", f"The signature is not {claimed}'s signature of {message!r}.")

    # Keyed by what was signed, not by the signature bytes: a malleated copy of the same
    # signature is the same request.
    key = "wallet-sig:" + hashlib.sha256(f"{claimed}|{message}".encode()).hexdigest()
    if not cache.add(key, 1, timeout=REPLAY_WINDOW_SECONDS):
        raise _refuse("WALLET_SIGNATURE_REPLAYED", "This signed message was already used; sign a new timestamp.")
    return claimed
