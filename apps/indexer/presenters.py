"""The chain reads' response bodies, built from the selectors' dicts (docs/patterns.md), key for
key the serializers of apps/indexer/serializers.py (tests/indexer/test_api_presenters.py).

Exact amounts, decided here once:

- `value_native` and an ERC-20 `amount_display` are the raw integer scaled by the decimals,
  exactly, with at least 2 decimal places and no trailing zeros beyond them, never rounded:
  `"0.00 ETH"`, `"250.00 USDC"`, `"0.000000000000000001 ETH"`.
- A token whose decimals are unknown (metadata unread, or its `decimals()` reverted) shows its
  raw units and says so: `"1000000 raw units"` (followed by the symbol when there is one).
- An ERC-721 transfer shows one item: `"1 PUNK #42"` (`"1 NFT #42"` without a symbol).
- `gas_price_gwei` and `gas_fee_eth` are exact Decimals (JSON numbers with every digit).
- Every `*_usd` is the exact product rounded half-up to the cent, as money is shown; `null` when
  there is no TokenPrice for that token at that block (or the amount has no known decimals):
  a price is never carried over from another block or invented.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.utils import timezone

from apps.indexer.models import Token

Row = dict[str, Any]
NATIVE_SYMBOL = "ETH"
NATIVE_DECIMALS = 18
CENT = Decimal("0.01")


def utc_iso(value: dt.datetime | None) -> str | None:
    """A time as ISO 8601 in UTC with `Z` (SQLite hands back naive UTC)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def scaled(raw: int, decimals: int) -> Decimal:
    """`raw / 10**decimals`, exactly (a uint256 has 78 digits; the default context keeps 28)."""
    with localcontext(prec=200):
        return Decimal(raw).scaleb(-decimals)


def format_units(raw: int, decimals: int) -> str:
    """`raw` scaled by `decimals` as text, exact, at least 2 decimal places, trailing zeros past
    them trimmed: (250_000_000, 6) -> "250.00", (1, 18) -> "0.000000000000000001"."""
    whole, fraction = divmod(raw, 10**decimals)
    digits = str(fraction).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{whole}.{digits.ljust(2, '0')}"


def usd(amount: Decimal | None, price: Decimal | None) -> Decimal | None:
    if amount is None or price is None:
        return None
    with localcontext(prec=200):
        return (amount * price).quantize(CENT, rounding=ROUND_HALF_UP)


def _status(row: Row) -> str:
    return "success" if row["status"] == 1 else "failed"


def _transfer_amount(transfer: Row) -> tuple[str, Decimal | None]:
    """A transfer's display text and its exact token amount (None when it has no decimals)."""
    token = transfer["token"] or {}
    symbol = token.get("symbol") or ""
    if transfer["standard"] == Token.ERC721:
        return f"1 {symbol or 'NFT'} #{transfer['token_id']}", None
    decimals = token.get("decimals")
    raw = transfer["amount"] or 0
    if decimals is None:
        return f"{raw} raw units" + (f" {symbol}" if symbol else ""), None
    return format_units(raw, decimals) + (f" {symbol}" if symbol else ""), scaled(raw, decimals)


def present_transfer_summary(transfer: Row) -> Row:
    display, amount = _transfer_amount(transfer)
    token = transfer["token"] or {}
    return {
        "token_symbol": token.get("symbol") or None,
        "amount_display": display,
        "amount_usd": usd(amount, transfer["usd_price"]),
    }


def present_transfer_detail(transfer: Row) -> Row:
    display, amount = _transfer_amount(transfer)
    token = transfer["token"] or {}
    return {
        "contract_address": transfer["token_address"],
        "token_symbol": token.get("symbol") or None,
        "token_name": token.get("name") or None,
        "token_standard": transfer["standard"],
        "from_address": transfer["from_address"],
        "to_address": transfer["to_address"],
        "amount_display": display,
        "amount_usd": usd(amount, transfer["usd_price"]),
        "token_id": str(transfer["token_id"]) if transfer["token_id"] is not None else None,
    }


def _native(row: Row) -> Row:
    """The fields every transaction body shares, in the seed's order up to `status`."""
    price = row["native_price"]["usd"] if row["native_price"] else None
    value = scaled(row["value"], NATIVE_DECIMALS)
    gas_fee = scaled(row["gas_used"] * row["effective_gas_price"], NATIVE_DECIMALS)
    return {
        "hash": row["hash"],
        "block_number": row["block_id"],
        "block_timestamp": utc_iso(row["block_timestamp"]),
        "from_address": row["from_address"],
        "to_address": row["to_address"] or None,
        "value_native": f"{format_units(row['value'], NATIVE_DECIMALS)} {NATIVE_SYMBOL}",
        "value_usd": usd(value, price),
        "gas_used": row["gas_used"],
        "gas_price_gwei": scaled(row["effective_gas_price"], 9),
        "gas_fee": gas_fee,
        "gas_fee_usd": usd(gas_fee, price),
        "status": _status(row),
    }


def present_transaction_summary(row: Row) -> Row:
    body = _native(row)
    del body["gas_fee"]
    body["token_transfers"] = [present_transfer_summary(t) for t in row["transfers"]]
    return body


def present_transaction_detail(row: Row) -> Row:
    native = _native(row)
    gas_fee = native.pop("gas_fee")
    body: Row = {}
    for key, value in native.items():
        body[key] = value
        if key == "gas_price_gwei":
            body["gas_fee_eth"] = gas_fee
    body["token_transfers"] = [present_transfer_detail(t) for t in row["transfers"]]
    price = row["native_price"]
    body["price_source"] = price["source"] if price else None
    # The price is read at the transaction's own block, so its time is that block's.
    body["price_timestamp"] = utc_iso(row["block_timestamp"]) if price else None
    return body


def present_block(block: Row) -> Row:
    return {
        "block_number": block["number"],
        "block_timestamp": utc_iso(block["timestamp"]),
        "transaction_count": block["transaction_count"],
        "transaction_hashes": block["transaction_hashes"],
    }


def present_token(token: Row) -> Row:
    return {
        "contract_address": token["address"],
        "symbol": token["symbol"] or None,
        "name": token["name"] or None,
        "decimals": token["decimals"],
    }


def present_health(position: Row) -> Row:
    """Seed 004's health from apps/indexer/ingest/status.chain_position: `status` is "ok" when the
    node answered, "degraded" when it did not (the index is still served, so it stays a 200);
    the tip and the lag are null when unknown."""
    lag = position["lag_seconds"]
    return {
        "status": "ok" if position["chain_tip"] is not None else "degraded",
        "last_indexed_block": position["last_indexed_block"],
        "last_indexed_timestamp": utc_iso(position["last_indexed_timestamp"]),
        "chain_tip_block": position["chain_tip"],
        "ingestion_lag_seconds": float(lag) if lag is not None else None,
    }
