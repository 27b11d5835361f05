from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from siwe import SiweMessage


def siwe_message(
    account: Account,
    nonce: str,
    *,
    domain: str = "localhost:8080",
    uri: str | None = None,
    chain_id: int = 31337,
    issued_at: datetime | None = None,
    expiration: datetime | None = None,
) -> str:
    fields = {
        "domain": domain,
        "address": account.address,
        "statement": "Sign in to HavenCap.",
        "uri": uri or f"http://{domain}/login",
        "version": "1",
        "chain_id": chain_id,
        "nonce": nonce,
        "issued_at": (issued_at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if expiration is not None:
        fields["expiration_time"] = expiration.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return SiweMessage(**fields).prepare_message()


def sign(account: Account, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
