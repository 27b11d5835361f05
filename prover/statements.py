"""What a proof request says, checked, and turned into a circuit's input.

The request is the backend's (apps/jobs/prover_client.py):

    {"jobId": "7", "strategyType": "PROGRAM" | "RUBRIC" | "HYBRID" | "CEX_CAPITAL",
     "deliverableHash": "0x…", "programHash": "0x…", "rubricHash": "0x…", "callbackRef": "…",
     "checkedHash": "0x…",          # optional: what the evaluator checked (default: deliverableHash)
     "cex": {                       # CEX_CAPITAL only, required there: the attested evidence
        "capital": "1000000000", "stopLossBps": 1000, "targetReturnBps": 500,
        "endEquity": "1060000000", "minEquity": "950000000",
        "reportHash": "0x<32 bytes>", "enclaveKey": "0x04<64 bytes>"}}

Amounts are raw USDC units (6 decimals) as decimal strings or integers. A request that breaks
these rules is refused (`BadRequest`, a 400) before anything is journaled; a request that is well
formed but false (a checked hash that is not the deliverable's) is refused too, since no witness
exists for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STRATEGIES = {"PROGRAM": 0, "RUBRIC": 1, "HYBRID": 2, "CEX_CAPITAL": 3}
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_KEY = re.compile(r"^0x04[0-9a-fA-F]{128}$")
_REF = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_DIGITS = re.compile(r"^[0-9]{1,40}$")
MAX_AMOUNT = 2**96  # the circuit's range checks
MAX_JOB_ID = 2**64
MAX_TARGET_BPS = 2**32


class BadRequest(Exception):
    pass


@dataclass(frozen=True)
class Statement:
    callback_ref: str
    circuit: str
    input: dict[str, Any]


def halves(value: bytes) -> list[str]:
    """A 32-byte value as the circuit's two field elements, high 128 bits first."""
    number = int.from_bytes(value, "big")
    return [str(number >> 128), str(number & (2**128 - 1))]


def _hash(body: dict[str, Any], name: str, *, required: bool) -> bytes:
    raw = body.get(name)
    if raw in (None, "") and not required:
        return bytes(32)
    if not isinstance(raw, str) or not _HASH.match(raw):
        raise BadRequest(f"{name} must be a 0x-prefixed 32-byte hex string.")
    return bytes.fromhex(raw[2:])


def _integer(body: dict[str, Any], name: str, *, low: int, high: int) -> int:
    raw = body.get(name)
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and _DIGITS.match(raw))):
        raise BadRequest(f"{name} must be a non-negative integer (a decimal string or a JSON integer).")
    value = int(raw)
    if not low <= value < high:
        raise BadRequest(f"{name} must be at least {low} and below {high}.")
    return value


def _cex_input(cex: Any) -> dict[str, Any]:
    if not isinstance(cex, dict):
        raise BadRequest("A CEX_CAPITAL proof needs `cex`: the attested capital, equities, report hash and key.")
    capital = _integer(cex, "capital", low=1, high=MAX_AMOUNT)
    end = _integer(cex, "endEquity", low=0, high=MAX_AMOUNT)
    lowest = _integer(cex, "minEquity", low=0, high=MAX_AMOUNT)
    if lowest > end:
        raise BadRequest("minEquity cannot be above endEquity: the end is one of the attested values.")
    key = cex.get("enclaveKey")
    if not isinstance(key, str) or not _KEY.match(key):
        raise BadRequest("enclaveKey must be the uncompressed secp256k1 public key, 0x04 and 64 bytes of hex.")
    point = bytes.fromhex(key[4:])
    return {
        "capital": str(capital),
        "stopLossBps": str(_integer(cex, "stopLossBps", low=1, high=10_001)),
        "targetReturnBps": str(_integer(cex, "targetReturnBps", low=0, high=MAX_TARGET_BPS)),
        "endEquity": str(end),
        "minEquity": str(lowest),
        "reportHash": halves(_hash(cex, "reportHash", required=True)),
        "enclaveKey": halves(point[:32]) + halves(point[32:]),
    }


def parse_request(body: Any) -> Statement:
    """The circuit and its input for a request, or `BadRequest` saying what is wrong."""
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    ref = body.get("callbackRef")
    if not isinstance(ref, str) or not _REF.match(ref):
        raise BadRequest("callbackRef must be 1-128 characters of letters, digits and _.:-")
    strategy = body.get("strategyType")
    if strategy not in STRATEGIES:
        raise BadRequest(f"strategyType must be one of {', '.join(STRATEGIES)}.")
    job_id = _integer(body, "jobId", low=1, high=MAX_JOB_ID)
    if strategy == "CEX_CAPITAL":
        return Statement(ref, "cex_capital", {"jobId": str(job_id), **_cex_input(body.get("cex"))})
    deliverable = _hash(body, "deliverableHash", required=True)
    checked = _hash(body, "checkedHash", required=False) if body.get("checkedHash") else deliverable
    if checked != deliverable:
        raise BadRequest("checkedHash is not the submitted deliverableHash: there is nothing true to prove.")
    return Statement(
        ref,
        "deliverable",
        {
            "jobId": str(job_id),
            "strategyType": str(STRATEGIES[strategy]),
            "deliverableHash": halves(deliverable),
            "programHash": halves(_hash(body, "programHash", required=False)),
            "rubricHash": halves(_hash(body, "rubricHash", required=False)),
            "checkedHash": halves(checked),
        },
    )


def encode_words(values: list[str]) -> str:
    """Field elements as 0x hex of consecutive 32-byte big-endian words (Solidity's uint256[])."""
    return "0x" + "".join(int(v, 0).to_bytes(32, "big").hex() for v in values)


def encode_proof(calldata: list[Any]) -> str:
    """snarkjs's Solidity calldata (a, b, c) as 8 words: a0 a1 b00 b01 b10 b11 c0 c1, the order
    the exported verifier's verifyProof takes them (b's coordinates already swapped by snarkjs)."""
    a, b, c = calldata[0], calldata[1], calldata[2]
    return encode_words([*a, *b[0], *b[1], *c])
