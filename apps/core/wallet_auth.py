"""Wallet-signature auth for the agent-jobs writes (seeds 000-002).

A client signs, with EIP-191 (personal_sign), a message that names the whole request:

    AACP:<scope>:<jobId>:<timestamp_ms>
    <METHOD> <path with its query string>
    sha256:<hex sha256 of the exact request body bytes>

and sends `X-Wallet-Address`, `X-Wallet-Signature` and `X-Wallet-Timestamp`. The timestamp must
be within five minutes either way. The first line is the seeds' message; the other two bind it to
one method, one path and one body, so a signature made to submit an offer can never withdraw
one (both share the `offers` scope) nor act for another agent. An empty body hashes to
sha256("") = e3b0c442...b855.

The seeds' bare first line (`AACP:<scope>:<jobId>:<timestamp_ms>`) is still accepted where a
seed documents it for an action that cannot be turned into another: the offer submit
(`accept_seed_message=True`). There the body is bound by the replay store below instead: the
first request to use the message fixes its method, path and body.

Every wallet-signed write goes through `wallet_signed_write`, which makes a signed message do
one thing (seed 002: "submitting the same offer twice returns the existing record"):

1. The signature is checked (`verify_wallet_signature`): headers, timestamp window, signer.
2. The signed message is claimed in Redis with SET NX: a pending marker holding the request's
   fingerprint (method, path and canonical JSON body). The message, not the signature bytes, is
   the key, so a malleated copy of a signature is the same request.
3. The write runs. A 2xx answer is stored under the claim (status and body) for as long as the
   timestamp can be accepted; an error (raised or returned) releases the claim.
4. The same message again:
   - with the same fingerprint after a 2xx: the stored answer, status and body, and the write
     does not run again;
   - with the same fingerprint while the first is still running: it waits up to
     `IN_PROGRESS_WAIT_SECONDS` for that answer, then 409 WALLET_REQUEST_IN_PROGRESS (so two
     identical requests at once never both execute);
   - with another method, path or body: 401 WALLET_SIGNATURE_REPLAYED, whatever the first answered.

Why an error does not use the signature up: every refusal of these writes (400 body, 403/404/409
rules, 503 chain unreadable) happens before or rolls back with the transaction, so it changed
nothing there is to protect from repeating. Keeping it would make a client re-sign to correct a
typo and would pin a passing 503 on every retry. Holding a signature whose request was refused
gives no more than holding it before its first use did.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http.request import RawPostDataException
from drf_spectacular.utils import OpenApiParameter
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import to_checksum_address
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApiError

MAX_SKEW_MS = 5 * 60 * 1000
# Remembered a little longer than a timestamp can stay acceptable, so no replay outlives it.
REPLAY_WINDOW_SECONDS = 2 * MAX_SKEW_MS // 1000 + 60
# A claim whose worker died mid-request frees itself after this, well past any request's run.
PENDING_SECONDS = 60
IN_PROGRESS_WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.05
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
        description=(
            "EIP-191 signature of the three lines `AACP:<scope>:<jobId>:<timestamp_ms>`, "
            "`<METHOD> <path>` and `sha256:<hex sha256 of the body bytes>`, joined by newlines"
        ),
    ),
    OpenApiParameter("X-Wallet-Timestamp", str, OpenApiParameter.HEADER, required=True, description="unix ms"),
]


def wallet_message(*, scope: str, job_id: str, timestamp_ms: int | str) -> str:
    """The seeds' message: the first line of every signed message."""
    return f"AACP:{scope}:{job_id}:{timestamp_ms}"


def bound_wallet_message(
    *, scope: str, job_id: str, timestamp_ms: int | str, method: str, path: str, body: bytes
) -> str:
    """The message a request is signed with: the seeds' line, then its method and path, then
    the sha256 of its exact body bytes."""
    first = wallet_message(scope=scope, job_id=job_id, timestamp_ms=timestamp_ms)
    return f"{first}\n{method.upper()} {path}\nsha256:{hashlib.sha256(body).hexdigest()}"


class WalletSignedView(APIView):
    """Base of every wallet-signed write view: public (the wallet signature is the auth), and
    the body is read as bytes before DRF parses it, so the signature can cover the exact bytes."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in SAFE_METHODS:
            request._request.body  # noqa: B018 -- Django keeps the bytes; DRF then parses a copy
        super().initial(request, *args, **kwargs)


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(status=401, code=code, message=message)


def _signed_body(request: Request) -> bytes:
    try:
        return request._request.body
    except RawPostDataException:
        raise RuntimeError("A wallet-signed write must be a WalletSignedView: its body was parsed unkept.") from None


def _recover(message: str, signature: str) -> str | None:
    try:
        return Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # eth-account raises several types for unrecoverable signatures
        return None


def verify_wallet_signature(
    request: Request,
    *,
    scope: str,
    job_id: str,
    accept_seed_message: bool = False,
    now_ms: int | None = None,
) -> tuple[str, str]:
    """`(signer, signed message)`: the checksummed address that signed this request (its method,
    path and body) for `scope` and `job_id`, or a 401 saying exactly what is wrong: a missing
    header, a malformed one, a stale or future timestamp, or a signature by someone else or of
    something else. With `accept_seed_message`, the seeds' bare message counts too. It does not
    remember the signature: a write goes through `wallet_signed_write`, which does."""
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

    claimed = to_checksum_address(address)
    bound = bound_wallet_message(
        scope=scope,
        job_id=job_id,
        timestamp_ms=timestamp,
        method=request.method,
        path=request.get_full_path(),
        body=_signed_body(request),
    )
    if _recover(bound, signature) == claimed:
        return claimed, bound
    seed = wallet_message(scope=scope, job_id=job_id, timestamp_ms=timestamp)
    signer_of_seed = _recover(seed, signature)
    if accept_seed_message and signer_of_seed == claimed:
        return claimed, seed
    if signer_of_seed == claimed:
        raise _refuse(
            "WALLET_MESSAGE_UNBOUND",
            f"This action needs a signature that names it: sign {bound!r}, not the bare {seed!r}.",
        )
    raise _refuse("WALLET_SIGNATURE_INVALID", f"The signature is not {claimed}'s signature of {bound!r}.")


def _fingerprint(request: Request) -> str:
    """sha256 of the method, the path and the body in canonical JSON (keys sorted)."""
    data = request.data
    if hasattr(data, "lists"):  # a form body: every value of every key
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}|{request.path}|{body}".encode()).hexdigest()


def wallet_signed_write(
    request: Request,
    *,
    scope: str,
    job_id: str,
    write: Callable[[str], Response],
    accept_seed_message: bool = False,
    now_ms: int | None = None,
) -> Response:
    """Run `write(signer)` once per signed message and answer an identical replay with its first
    answer (see the module docstring for the rules and why an error does not use a signature)."""
    signer, message = verify_wallet_signature(
        request, scope=scope, job_id=job_id, accept_seed_message=accept_seed_message, now_ms=now_ms
    )
    key = "wallet-sig:" + hashlib.sha256(f"{signer}|{message}".encode()).hexdigest()
    fingerprint = _fingerprint(request)
    token = secrets.token_hex(8)
    deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
    while not cache.add(key, {"fingerprint": fingerprint, "token": token}, timeout=PENDING_SECONDS):
        record: dict[str, Any] | None = cache.get(key)
        if record is None:  # the first one failed and let go between our two reads
            continue
        if record["fingerprint"] != fingerprint:
            raise _refuse(
                "WALLET_SIGNATURE_REPLAYED",
                "This signed message was already used for another request; sign a new timestamp.",
            )
        if "status" in record:
            return Response(record["data"], status=record["status"])
        if time.monotonic() >= deadline:
            raise ApiError(
                status=409,
                code="WALLET_REQUEST_IN_PROGRESS",
                message="The same signed request is still being processed; retry it in a moment.",
            )
        time.sleep(_POLL_SECONDS)
    try:
        response = write(signer)
    except BaseException:
        _release(key, token)
        raise
    if response.status_code >= 400:
        _release(key, token)
        return response
    # Stored as the JSON it renders to, so a replay answers the very same body.
    data = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    answer = {"fingerprint": fingerprint, "status": response.status_code, "data": data}
    cache.set(key, answer, timeout=REPLAY_WINDOW_SECONDS)
    return response


def _release(key: str, token: str) -> None:
    # Only our own claim: one that expired and was taken by a later request is not ours to drop.
    record = cache.get(key)
    if record is not None and record.get("token") == token:
        cache.delete(key)
