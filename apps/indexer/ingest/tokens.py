"""Token metadata read once by eth_call: name, symbol, decimals, tolerant of tokens that answer
bytes32, revert or answer garbage (what could be read is kept, with the reason for the rest)."""

from __future__ import annotations

from django.utils import timezone

from apps.indexer.ingest.decode import Garbage, decode_decimals, decode_text
from apps.indexer.models import Token
from apps.indexer.rpc import BatchRpc, RpcError

SELECTORS = {"name": "0x06fdde03", "symbol": "0x95d89b41", "decimals": "0x313ce567"}


def read_tokens(rpc: BatchRpc, standards: dict[str, str], block_number: int) -> list[Token]:
    """Unsaved Token rows for `standards` ({address: standard}), read at `block_number` (where
    each token has just emitted a transfer, so it exists even if it later self-destructs)."""
    addresses = sorted(standards)
    calls = [
        ("eth_call", [{"to": address, "data": selector}, hex(block_number)])
        for address in addresses
        for selector in SELECTORS.values()
    ]
    answers = rpc.call_many(calls)
    now = timezone.now()
    tokens = []
    for i, address in enumerate(addresses):
        name, symbol, decimals = answers[i * 3 : i * 3 + 3]
        errors: list[str] = []
        token = Token(address=address, standard=standards[address], fetched_at=now)
        token.name = _read(name, decode_text, "name", errors) or ""
        token.symbol = _read(symbol, decode_text, "symbol", errors) or ""
        if standards[address] == Token.ERC20 or not isinstance(decimals, RpcError):
            token.decimals = _read(decimals, decode_decimals, "decimals", errors)
        token.name = token.name[:200]
        token.symbol = token.symbol[:64]
        token.metadata_error = "; ".join(errors)[:200]
        tokens.append(token)
    return tokens


def _read(answer, decode, what: str, errors: list[str]):
    if isinstance(answer, RpcError):
        reverted = answer.code == 3 or "revert" in answer.message.lower()
        errors.append(f"{what}: reverted" if reverted else f"{what}: {answer.message[:60]}")
        return None
    if not answer or answer == "0x":
        errors.append(f"{what}: empty answer")
        return None
    try:
        return decode(answer)
    except (Garbage, ValueError) as exc:
        errors.append(f"{what}: {str(exc)[:60]}")
        return None
