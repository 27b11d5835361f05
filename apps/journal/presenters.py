"""The journal's response objects, from the selectors' rows (apps/journal/selectors.py).

Each function writes exactly what its serializer in apps/journal/serializers.py documents, key
for key and in the same order (tests/journal/test_presenters.py holds them together). Amounts
are decimal strings with their own digits; times ISO-8601 UTC with a `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from apps.core.fields import iso_z, plain_amount
from apps.core.rows import Row
from apps.journal.models import JournalEntry, JournalTag

PRICES = ("quantity", "entry_price", "exit_price", "fees")
RESULTS = ("gross_pnl", "net_pnl", "stop_price", "risk_amount", "r_multiple")


def _id(value: Any) -> str | None:
    # PostgreSQL hands back a UUID, SQLite its 32 hex digits.
    return None if value is None else str(value if isinstance(value, UUID) else UUID(value))


def _time(value: datetime) -> str | None:
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands back the stored UTC time without its zone
    return iso_z(value)


def present_tag_on_trade(tag: Row) -> dict[str, Any]:
    return {"id": _id(tag["id"]), "name": tag["name"], "color": tag["color"]}


def present_trade(row: Row) -> dict[str, Any]:
    """A trade of the list (JournalTradeOutput)."""
    return {
        "id": _id(row["id"]),
        "exchange_account_id": _id(row["exchange_account_id"]),
        "trade_group_id": _id(row["trade_group_id"]),
        "venue": row["venue"],
        "symbol": row["symbol"],
        "side": row["side"],
        **{name: plain_amount(row[name]) for name in PRICES},
        "fees_complete": bool(row["fees_complete"]),
        **{name: plain_amount(row[name]) for name in RESULTS},
        "stop_assumed": bool(row["stop_assumed"]),
        "opened_at": _time(row["opened_at"]),
        "closed_at": _time(row["closed_at"]),
        "duration_seconds": int(row["duration_seconds"]),
        "mae": plain_amount(row["mae"]),
        "mfe": plain_amount(row["mfe"]),
        "tags": [present_tag_on_trade(tag) for tag in row["tags"]],
    }


def present_trade_detail(row: Row) -> dict[str, Any]:
    """One trade with its notes and images (JournalTradeDetailOutput)."""
    return {**present_trade(row), "notes": row["notes"], "images": []}


def present_tag(tag: JournalTag) -> dict[str, Any]:
    """A tag of `/journal/tags` (TagOutput); `trade_count` annotated by the selector."""
    return {
        "id": str(tag.id),
        "name": tag.name,
        "color": tag.color,
        "trade_count": tag.trade_count,
        "created_at": iso_z(tag.created_at),
    }


def present_entry(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "title": entry.title,
        "content": entry.content,
        "created_at": iso_z(entry.created_at),
        "updated_at": iso_z(entry.updated_at),
    }
