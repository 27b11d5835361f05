"""Pure decoding of what the node returns: hex quantities, Transfer logs, token metadata answers.
No database, no network."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_utils import to_checksum_address

from apps.indexer.models import Token

# keccak("Transfer(address,address,uint256)"): ERC-20 and ERC-721 share the signature; ERC-20
# has the value in the data (3 topics), ERC-721 indexes the token id (4 topics, no data).
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
ZERO_WORD_PREFIX = "0" * 24


def qty(value: str | int | None) -> int | None:
    """A JSON-RPC quantity ("0x1a") as an int."""
    if value is None:
        return None
    return value if isinstance(value, int) else int(value, 16)


def address(value: str | None) -> str:
    return _checksummed(value.lower()) if value else ""


@lru_cache(maxsize=65_536)
def _checksummed(lowered: str) -> str:
    # A keccak per call, and the same few addresses come back in every block: a third of
    # ingestion's time before this cache.
    return to_checksum_address(lowered)


@dataclass(frozen=True)
class DecodedTransfer:
    tx_hash: str
    log_index: int
    token_address: str
    standard: str
    from_address: str
    to_address: str
    amount: int | None
    token_id: int | None


def _word(topic: Any) -> str | None:
    """A topic's 64 hex digits, or None when it is not a 32-byte word."""
    if not isinstance(topic, str) or not topic.startswith("0x") or len(topic) != 66:
        return None
    return topic[2:].lower()


def _topic_address(topic: Any) -> str | None:
    word = _word(topic)
    if word is None or not word.startswith(ZERO_WORD_PREFIX):
        return None  # an address topic has its 12 high bytes zero; anything else is not one
    return _checksummed("0x" + word[24:])


def decode_transfer(log: dict[str, Any]) -> DecodedTransfer | None:
    """The ERC-20 or ERC-721 Transfer a receipt log carries; None for any other or malformed log."""
    topics = log.get("topics") or []
    if log.get("removed") or not topics or str(topics[0]).lower() != TRANSFER_TOPIC:
        return None
    data = str(log.get("data") or "0x")
    sender, receiver = (_topic_address(t) for t in topics[1:3]) if len(topics) >= 3 else (None, None)
    if sender is None or receiver is None:
        return None
    if len(topics) == 3 and len(data) == 66:
        standard, amount, token_id = Token.ERC20, int(data, 16), None
    elif len(topics) == 4 and data in ("0x", "") and _word(topics[3]) is not None:
        standard, amount, token_id = Token.ERC721, None, int(topics[3], 16)
    else:
        return None
    return DecodedTransfer(
        tx_hash=log["transactionHash"].lower(),
        log_index=qty(log["logIndex"]),
        token_address=address(log["address"]),
        standard=standard,
        from_address=sender,
        to_address=receiver,
        amount=amount,
        token_id=token_id,
    )


class Garbage(ValueError):
    """An eth_call answer that is not the type asked for."""


def decode_text(result: str) -> str:
    """A `string` return value, or a bytes32 one (old tokens such as MKR), NULs stripped."""
    raw = bytes.fromhex(result[2:] if result.startswith("0x") else result)
    if len(raw) == 32:
        text = raw.rstrip(b"\0")
    elif len(raw) >= 64 and len(raw) % 32 == 0:
        offset = int.from_bytes(raw[:32], "big")
        if offset + 32 > len(raw):
            raise Garbage("string offset past the answer")
        length = int.from_bytes(raw[offset : offset + 32], "big")
        if offset + 32 + length > len(raw):
            raise Garbage("string length past the answer")
        text = raw[offset + 32 : offset + 32 + length]
    else:
        raise Garbage(f"{len(raw)} bytes is no string")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Garbage("not UTF-8") from exc
    return decoded.replace("\0", "").strip()


def decode_decimals(result: str) -> int:
    raw = bytes.fromhex(result[2:] if result.startswith("0x") else result)
    if len(raw) != 32:
        raise Garbage(f"{len(raw)} bytes is no uint8")
    value = int.from_bytes(raw, "big")
    if value > 255:
        raise Garbage(f"decimals {value} is out of range")
    return value
