"""What a wallet client does: sign a request's method, path and exact body bytes (or, where a seed
documents it, the bare seed message) and send the three X-Wallet-* headers."""

from __future__ import annotations

import json
import time
from typing import Any

from eth_account.messages import encode_defunct

from apps.core.wallet_auth import bound_wallet_message, wallet_message


def json_bytes(body: Any) -> bytes:
    return json.dumps(body).encode()


def wallet_headers(
    account: Any,
    *,
    scope: str,
    job_id: str,
    method: str | None = None,
    path: str | None = None,
    body: bytes = b"",
    timestamp: int | None = None,
    signer: Any = None,
) -> dict[str, str]:
    """Test-client headers. With `method` and `path`, the bound message of that request; without,
    the seeds' bare `AACP:<scope>:<jobId>:<timestamp_ms>`. `signer` signs in place of `account`."""
    timestamp = int(time.time() * 1000) if timestamp is None else timestamp
    if method is None or path is None:
        message = wallet_message(scope=scope, job_id=job_id, timestamp_ms=timestamp)
    else:
        message = bound_wallet_message(
            scope=scope, job_id=job_id, timestamp_ms=timestamp, method=method, path=path, body=body
        )
    signature = (signer or account).sign_message(encode_defunct(text=message)).signature.hex()
    return {
        "HTTP_X_WALLET_ADDRESS": account.address,
        "HTTP_X_WALLET_SIGNATURE": "0x" + signature.removeprefix("0x"),
        "HTTP_X_WALLET_TIMESTAMP": str(timestamp),
    }
