"""The journal's response objects, from the selectors' rows (apps/journal/selectors.py).

Each function writes exactly what its serializer in apps/journal/serializers.py documents, key
for key and in the same order (tests/journal/test_presenters.py holds them together). Amounts
are decimal strings with their own digits; times ISO-8601 UTC with a `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.urls import reverse

from apps.core.fields import iso_z, plain_amount
from apps.core.rows import Row
from apps.journal.analytics import Bucket, ratio
from apps.journal.models import JournalEntry, JournalImage, JournalSettings, JournalStorageUsage, JournalTag

PRICES = ("quantity", "entry_price", "exit_price", "fees")
RESULTS = ("gross_pnl", "net_pnl", "stop_price", "risk_amount", "r_multiple")


def _id(value: Any) -> str | None:
    # PostgreSQL hands back a UUID, SQLite its 32 hex digits.
    return None if value is None else str(value if isinstance(value, UUID) else UUID(value))


def _time(value: datetime | str | None) -> str | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)  # an aggregate (MIN, MAX) of a SQLite datetime is its text
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
    return {**present_trade(row), "notes": row["notes"], "images": [present_image(image) for image in row["images"]]}


def present_image(image: JournalImage) -> dict[str, Any]:
    """An image (ImageOutput)."""
    return {
        "id": str(image.id),
        "trade_id": _id(image.trade_id),
        "url": reverse("journal-image", kwargs={"image_id": image.id}),
        "content_type": image.content_type,
        "size": image.size_bytes,
        "width": image.width,
        "height": image.height,
        "created_at": iso_z(image.created_at),
    }


def present_storage(usage: JournalStorageUsage, *, quota: int) -> dict[str, Any]:
    return {"used": usage.used_bytes, "quota": quota, "count": usage.image_count}


def present_settings(found: JournalSettings) -> dict[str, str]:
    """The trader's journal settings (JournalSettingsOutput)."""
    return {"default_stop_percent": plain_amount(found.default_stop_percent), "time_zone": found.time_zone}


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


# --- analytics (apps/journal/analytics.py) ------------------------------------------------------
# Rows come through apps.core.rows, which already reads SQLite's float NUMERICs as Decimals.


def _money(value: Any) -> str:
    """A sum as a decimal string; a sum over no rows (NULL) is 0."""
    return plain_amount(value if value is not None else 0)


def _ratio(numerator: Any, denominator: Any) -> str | None:
    return plain_amount(ratio(numerator or 0, denominator or 0))


def _sums(row: Row | None) -> dict[str, Any]:
    row = row or {}
    return {
        "trade_count": int(row.get("trade_count") or 0),
        "win_count": int(row.get("win_count") or 0),
        "gross_pnl": _money(row.get("gross_pnl")),
        "fees": _money(row.get("fees")),
        "net_pnl": _money(row.get("net_pnl")),
    }


def present_overview(row: Row) -> dict[str, Any]:
    lost = row["lost"] or 0
    return {
        "trade_count": int(row["trade_count"]),
        "win_count": int(row["win_count"] or 0),
        "loss_count": int(row["loss_count"] or 0),
        "win_rate": _ratio(row["win_count"], row["trade_count"]),
        "average_r": _ratio(row["r_total"], row["r_count"]),
        "profit_factor": _ratio(row["won"], -lost),
        "expectancy": _ratio(row["net_pnl"], row["trade_count"]),
        "gross_pnl": _money(row["gross_pnl"]),
        "net_pnl": _money(row["net_pnl"]),
        "fees": _money(row["fees"]),
        "largest_win": plain_amount(row["largest_win"]),
        "largest_loss": plain_amount(row["largest_loss"]),
        "max_drawdown": _money(row["max_drawdown"]),
    }


def present_equity_point(row: Row) -> dict[str, Any]:
    return {
        "trade_id": _id(row["trade_id"]),
        "closed_at": _time(row["closed_at"]),
        "net_pnl": _money(row["net_pnl"]),
        "cumulative_pnl": _money(row["cumulative_pnl"]),
    }


def present_symbol(row: Row) -> dict[str, Any]:
    return {"symbol": row["symbol"], **_sums(row), "win_rate": _ratio(row["win_count"], row["trade_count"])}


def present_duration_bucket(bucket: Bucket, row: Row | None) -> dict[str, Any]:
    sums = _sums(row)
    return {
        "min_seconds": bucket.low if bucket.low is not None else 0,
        "max_seconds": bucket.high,
        **sums,
        "average_pnl": _ratio(row and row["net_pnl"], sums["trade_count"]),
    }


def present_return_bucket(bucket: Bucket, row: Row | None) -> dict[str, Any]:
    sums = _sums(row)
    return {
        "min_r": plain_amount(bucket.low),
        "max_r": plain_amount(bucket.high),
        "trade_count": sums["trade_count"],
        "win_count": sums["win_count"],
        "net_pnl": sums["net_pnl"],
    }


def present_time_unit(name: str, unit: int, row: Row | None) -> dict[str, Any]:
    sums = _sums(row)
    return {name: unit, "trade_count": sums["trade_count"], "win_count": sums["win_count"], "net_pnl": sums["net_pnl"]}


def present_filter_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "symbols": [row["symbol"] for row in options["symbols"]],
        "sides": [row["side"] for row in options["sides"]],
        "tags": [{"id": _id(row["id"]), "name": row["name"]} for row in options["tags"]],
        "exchange_accounts": [
            {"id": _id(row["id"]), "exchange_name": row["exchange_name"], "label": row["label"]}
            for row in options["exchange_accounts"]
        ],
        "first_closed_at": _time(options["first_closed_at"]),
        "last_closed_at": _time(options["last_closed_at"]),
    }
