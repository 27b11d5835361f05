"""Job ids: seed 000 writes them as bytes32 hex (`0x` + 64 hex), seeds 001/002 as the contract's
decimal id. Both mean the same job: the bytes32 is the id as a 32-byte big-endian integer."""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"^[0-9]{1,78}$")
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
MAX_ID = 2**256 - 1


def parse_job_id(raw: object) -> int | None:
    """The job's number, or None when `raw` is neither spelling."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= MAX_ID else None
    if not isinstance(raw, str):
        return None
    if _BYTES32.match(raw):
        return int(raw, 16)
    if _DECIMAL.match(raw) and int(raw) <= MAX_ID:
        return int(raw)
    return None


def as_bytes32(number: int) -> str:
    return "0x" + number.to_bytes(32, "big").hex()
