"""Where the enclave key (and its quote) come from: one provider interface, two implementations.

- `dev`: a secp256k1 key in a local key file created on first start (mode 0600). There is no
  quote, and everything the gateway says carries `"attestation_type": "dev"` so nobody mistakes
  it for hardware.
- `dstack`: a dstack guest agent (through `dstack-sdk`): `GetKey` derives the enclave key,
  `GetQuote` returns a TDX quote whose report data is bound to the public key
  (sha256 of the uncompressed public key, 32 bytes).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_keys import keys

# The path and purpose the dstack key is derived under: the same app gets the same key back.
DSTACK_KEY_PATH = "aacp/tee-gateway"
DSTACK_KEY_PURPOSE = "enclave-key"


@dataclass(frozen=True)
class Attestation:
    private_key: keys.PrivateKey = field(repr=False)
    attestation_type: str
    quote: str | None = None
    report_data: str | None = None
    event_log: str | None = None

    @property
    def public_key_hex(self) -> str:
        """The uncompressed public key, 0x04 + X + Y (65 bytes), as seed 000 shows it."""
        return "0x04" + self.private_key.public_key.to_bytes().hex()

    @property
    def address(self) -> str:
        return self.private_key.public_key.to_checksum_address()

    def public(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "tee_pubkey": self.public_key_hex,
            "tee_address": self.address,
            "attestation_type": self.attestation_type,
            "quote": self.quote,
            "report_data": self.report_data,
        }
        if self.attestation_type == "dev":
            body["note"] = "dev gateway: no hardware quote exists; the key lives in a local file"
        return body


def report_data_for(public_key: keys.PublicKey) -> bytes:
    """What a quote's report data must hold to bind it to this key (32 bytes, padded to 64 by TDX)."""
    return hashlib.sha256(b"\x04" + public_key.to_bytes()).digest()


class DevProvider:
    name = "dev"

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file

    def attest(self) -> Attestation:
        if not self.key_file.exists():
            self.key_file.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL and 0600 from creation: the key is never readable by others, even briefly.
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(os.urandom(32).hex())
        secret = bytes.fromhex(self.key_file.read_text().strip())
        return Attestation(private_key=keys.PrivateKey(secret), attestation_type="dev")


class DstackProvider:
    name = "dstack"

    def __init__(self, endpoint: str, *, timeout: float = 5.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout

    def attest(self) -> Attestation:
        from dstack_sdk import DstackClient  # only a dstack gateway needs the SDK loaded

        client = DstackClient(self.endpoint, timeout=self.timeout)
        derived = client.get_key(path=DSTACK_KEY_PATH, purpose=DSTACK_KEY_PURPOSE)
        private_key = keys.PrivateKey(derived.decode_key()[:32])
        report_data = report_data_for(private_key.public_key)
        quote = client.get_quote(report_data)
        return Attestation(
            private_key=private_key,
            attestation_type="dstack",
            quote="0x" + quote.quote.removeprefix("0x"),
            report_data="0x" + report_data.hex(),
            event_log=quote.event_log,
        )


def provider_from_env(environ: dict[str, str], state_dir: Path) -> DevProvider | DstackProvider:
    """`TEE_ATTESTATION=dstack` (with `TEE_DSTACK_ENDPOINT`) or `dev` (the default)."""
    kind = environ.get("TEE_ATTESTATION", "dev").strip().lower() or "dev"
    if kind == "dstack":
        endpoint = environ.get("TEE_DSTACK_ENDPOINT", "").strip()
        if not endpoint:
            raise SystemExit("TEE_ATTESTATION=dstack needs TEE_DSTACK_ENDPOINT (the guest agent's URL or socket).")
        return DstackProvider(endpoint)
    if kind != "dev":
        raise SystemExit(f"TEE_ATTESTATION must be dev or dstack, not {kind!r}.")
    return DevProvider(state_dir / "enclave.key")
