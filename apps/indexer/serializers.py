"""The chain reads' schema (seed 004) and their query and path parameters' validation.

The bodies are built by apps/indexer/presenters.py; these serializers state them for the
OpenAPI schema, key for key (tests/indexer/test_api_presenters.py holds the two together)."""

from __future__ import annotations

import datetime as dt
import re

from eth_utils import to_checksum_address
from rest_framework import serializers

from apps.core.errors import ApiError
from apps.core.fields import (
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictNumberField,
    schema_field,
)

TX_HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
BLOCK_NUMBER_PATTERN = r"^[0-9]{1,18}$"
_TX_HASH = re.compile(TX_HASH_PATTERN)
_ADDRESS = re.compile(ADDRESS_PATTERN)
_BLOCK_NUMBER = re.compile(BLOCK_NUMBER_PATTERN)
SORTS = ("timestamp", "-timestamp")


def parse_tx_hash(raw: str) -> str:
    if not _TX_HASH.fullmatch(raw):
        raise ApiError(status=400, message="hash must be 0x followed by 64 hexadecimal digits.")
    return raw.lower()


def parse_address(raw: str, *, name: str = "address") -> str:
    """Any case in, checksummed out (as the index stores addresses)."""
    if not _ADDRESS.fullmatch(raw):
        raise ApiError(status=400, message=f"{name} must be 0x followed by 40 hexadecimal digits.")
    return to_checksum_address(raw)


def parse_block_number(raw: str) -> int:
    if not _BLOCK_NUMBER.fullmatch(raw):
        raise ApiError(status=400, message="block_number must be a non-negative integer.")
    return int(raw)


def parse_iso_datetime(raw: str, *, name: str) -> dt.datetime:
    """ISO 8601 with a UTC offset (`Z` or `+hh:mm`): a time without one names no instant."""
    try:
        # RFC 3339 lets `t` and `z` be lower case; fromisoformat takes only upper case.
        value = dt.datetime.fromisoformat(raw.upper())
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(
            status=400,
            message=f"{name} must be an ISO 8601 date-time with a UTC offset, like 2026-04-01T00:00:00Z.",
        )
    try:
        # In UTC: the database takes offsets of at most 15 hours, ISO 8601 allows up to 24.
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ApiError(status=400, message=f"{name} is out of range.") from None


# --- response bodies (schema) -------------------------------------------------------------


def _nullable_text() -> StrictCharField:
    return StrictCharField(allow_null=True)


def _money() -> StrictNumberField:
    return StrictNumberField(allow_null=True, help_text="USD, rounded half-up to the cent; null without a price")


class TransferSummarySerializer(serializers.Serializer):
    token_symbol = _nullable_text()
    amount_display = StrictCharField(help_text='"250.00 USDC": exact, with the token\'s decimals')
    amount_usd = _money()


class TransferDetailSerializer(serializers.Serializer):
    contract_address = StrictCharField()
    token_symbol = _nullable_text()
    token_name = _nullable_text()
    token_standard = StrictChoiceField(choices=["ERC-20", "ERC-721"])
    from_address = StrictCharField()
    to_address = StrictCharField()
    amount_display = StrictCharField()
    amount_usd = _money()
    token_id = StrictCharField(allow_null=True, help_text="ERC-721 token id as a decimal string")


class _TransactionBase(serializers.Serializer):
    hash = StrictCharField()
    block_number = StrictIntegerField()
    block_timestamp = StrictCharField(help_text="ISO 8601, UTC")
    from_address = StrictCharField()
    to_address = StrictCharField(allow_null=True, help_text="null for a contract creation")
    value_native = StrictCharField(help_text='"0.00 ETH": exact')
    value_usd = _money()
    gas_used = StrictIntegerField()
    gas_price_gwei = StrictNumberField(help_text="exact")


class TransactionSummarySerializer(_TransactionBase):
    gas_fee_usd = _money()
    status = StrictChoiceField(choices=["success", "failed"])
    token_transfers = TransferSummarySerializer(many=True)


class TransactionDetailSerializer(_TransactionBase):
    gas_fee_eth = StrictNumberField(help_text="exact")
    gas_fee_usd = _money()
    status = StrictChoiceField(choices=["success", "failed"])
    token_transfers = TransferDetailSerializer(many=True)
    price_source = _nullable_text()
    price_timestamp = StrictCharField(allow_null=True)


class BlockSerializer(serializers.Serializer):
    block_number = StrictIntegerField()
    block_timestamp = StrictCharField()
    transaction_count = StrictIntegerField()
    transaction_hashes = serializers.ListField(child=StrictCharField())


class TokenSerializer(serializers.Serializer):
    contract_address = StrictCharField()
    symbol = _nullable_text()
    name = _nullable_text()
    decimals = StrictIntegerField(allow_null=True)


class HealthSerializer(serializers.Serializer):
    status = StrictChoiceField(choices=["ok", "degraded"], help_text='"degraded" when the node does not answer')
    last_indexed_block = StrictIntegerField(allow_null=True)
    last_indexed_timestamp = StrictCharField(allow_null=True)
    chain_tip_block = StrictIntegerField(allow_null=True)
    ingestion_lag_seconds = serializers.FloatField(allow_null=True)


_PAGE_URL = {"type": "string", "format": "uri", "nullable": True, "description": "absolute, other parameters kept"}


class TransactionPageSerializer(serializers.Serializer):
    """`PageSizePagination`'s envelope around transaction summaries."""

    data = TransactionSummarySerializer(many=True)
    page = StrictIntegerField()
    page_size = StrictIntegerField()
    total_results = StrictIntegerField()
    total_pages = StrictIntegerField()
    next_page_url = schema_field(StrictCharField, _PAGE_URL, allow_null=True)
    prev_page_url = schema_field(StrictCharField, _PAGE_URL, allow_null=True)
