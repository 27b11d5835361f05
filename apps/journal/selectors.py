"""Reads of the journal: trades as SQL rows (the hot list and detail), tags and entries.

`trade_filter_sql` is the one WHERE clause of every trade read, the list's and the analytics'
alike, so a filter means the same thing on every endpoint (`/journal/analytics/filter-options`
lists the values it takes). The statements are plain SQL that PostgreSQL and SQLite both run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, QuerySet

from apps.core.errors import ApiError
from apps.core.rows import PagedRows, Row, as_dicts, columns, fetch_rows, uuid_param
from apps.journal.models import COMPUTED_FIELDS, JournalEntry, JournalImage, JournalStorageUsage, JournalTag

if TYPE_CHECKING:
    from apps.accounts.models import User

TRADE_COLUMNS = ("id", *COMPUTED_FIELDS, "mae", "mfe")
TRADE_SELECT = f"SELECT {columns('t', TRADE_COLUMNS)} FROM journal_journaltrade t"  # noqa: S608 - constants
DETAIL = f"""SELECT {columns("t", TRADE_COLUMNS)}, t.notes FROM journal_journaltrade t
    WHERE t.user_id = %s AND t.id = %s"""  # noqa: S608 - constants; the ids are parameters
Owned = TypeVar("Owned", JournalTag, JournalEntry, JournalImage)


@dataclass(frozen=True)
class TradeFilters:
    """The journal's filters: closed in [start, end), symbol, side, tag, exchange account."""

    start: datetime | None = None
    end: datetime | None = None
    symbol: str | None = None
    side: str | None = None
    tag_id: UUID | None = None
    exchange_account_id: UUID | None = None


def trade_filter_sql(*, user_id: UUID, filters: TradeFilters, alias: str = "t") -> tuple[str, list[Any]]:
    """`WHERE ...` over journal trades `alias` of `user_id`, and its parameters."""
    conditions = [f"{alias}.user_id = %s"]
    params: list[Any] = [uuid_param(user_id)]
    for condition, value in (
        (f"{alias}.closed_at >= %s", filters.start and connection.ops.adapt_datetimefield_value(filters.start)),
        (f"{alias}.closed_at < %s", filters.end and connection.ops.adapt_datetimefield_value(filters.end)),
        (f"{alias}.symbol = %s", filters.symbol),
        (f"{alias}.side = %s", filters.side),
        (f"{alias}.exchange_account_id = %s", filters.exchange_account_id and uuid_param(filters.exchange_account_id)),
        (
            f"EXISTS (SELECT 1 FROM journal_journaltradetag x WHERE x.trade_id = {alias}.id AND x.tag_id = %s)",  # noqa: S608
            filters.tag_id and uuid_param(filters.tag_id),
        ),
    ):
        if value is not None:
            conditions.append(condition)
            params.append(value)
    return "WHERE " + " AND ".join(conditions), params


def attach_tags(rows: list[Row]) -> None:
    """Give each trade row its `tags` (id, name, color; by name), one query for all of them."""
    by_trade: dict[Any, list[Row]] = {row["id"]: [] for row in rows}
    marks = ", ".join(["%s"] * len(by_trade))
    tags = fetch_rows(
        f"""SELECT x.trade_id, g.id, g.name, g.color FROM journal_journaltradetag x
        INNER JOIN journal_journaltag g ON g.id = x.tag_id
        WHERE x.trade_id IN ({marks}) ORDER BY g.name, g.id""",  # noqa: S608 - placeholders
        list(by_trade),
    )
    for tag in tags:
        by_trade[tag.pop("trade_id")].append(tag)
    for row in rows:
        row["tags"] = by_trade[row["id"]]


def journal_trades(*, user: User, filters: TradeFilters) -> PagedRows:
    """The trader's closed trades matching `filters`, last closed first, with their tags:
    a count, the page and its tags, three queries."""
    where, params = trade_filter_sql(user_id=user.id, filters=filters)
    return PagedRows(
        count_sql=f"SELECT COUNT(*) FROM journal_journaltrade t {where}",  # noqa: S608 - parameters
        page_sql=f"{TRADE_SELECT} {where} ORDER BY t.closed_at DESC, t.id DESC LIMIT %s OFFSET %s",
        params=params,
        attach=attach_tags,
    )


EXPORT_CHUNK = 1000


def export_trades(*, user: User, filters: TradeFilters) -> Iterator[Row]:
    """Every trade of the trader matching `filters` with its notes, tags and account name (its
    label, or the exchange's), last closed first, read in chunks of EXPORT_CHUNK through a
    server-side cursor on PostgreSQL: an export of a whole history never holds it in memory."""
    where, params = trade_filter_sql(user_id=user.id, filters=filters)
    sql = f"""SELECT {columns("t", TRADE_COLUMNS)}, t.notes,
        COALESCE(NULLIF(a.label, ''), a.exchange_name) AS account
        FROM journal_journaltrade t LEFT JOIN exchanges_exchangeaccount a ON a.id = t.exchange_account_id
        {where} ORDER BY t.closed_at DESC, t.id DESC"""  # noqa: S608 - constants; values are parameters
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        while chunk := cursor.fetchmany(EXPORT_CHUNK):
            rows = as_dicts(names, chunk)
            attach_tags(rows)
            yield from rows


def journal_trade(*, user: User, trade_id: UUID | str) -> Row:
    """One of the trader's trades with its notes, tags and images (three queries), or a 404 that does not
    say whether another trader owns it."""
    try:
        found = fetch_rows(DETAIL, [uuid_param(user.id), uuid_param(trade_id)])
    except (ValidationError, ValueError, TypeError):
        found = []
    if not found:
        raise ApiError(status=404, code="TRADE_NOT_FOUND", message="Journal trade not found.")
    attach_tags(found)
    found[0]["images"] = list(JournalImage.objects.filter(trade_id=found[0]["id"]).order_by("created_at", "id"))
    return found[0]


def journal_tags(*, user: User) -> QuerySet[JournalTag]:
    """The trader's tags by name, each with how many trades carry it (one query)."""
    return JournalTag.objects.filter(user=user).annotate(trade_count=Count("trade_tags")).order_by("name", "id")


def _owned(model: type[Owned], *, user: User, pk: UUID | str, lock: bool, code: str, message: str) -> Owned:
    """The trader's row `pk` of `model`, or a 404 that does not say whether another trader owns it."""
    rows = model.objects.filter(user=user)
    try:
        return (rows.select_for_update() if lock else rows).get(id=pk)
    except (model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise ApiError(status=404, code=code, message=message) from None


def journal_tag(*, user: User, tag_id: UUID | str, lock: bool = False) -> JournalTag:
    return _owned(JournalTag, user=user, pk=tag_id, lock=lock, code="TAG_NOT_FOUND", message="Tag not found.")


def journal_entries(*, user: User) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(user=user).order_by("-created_at", "-id")


def journal_entry(*, user: User, entry_id: UUID | str, lock: bool = False) -> JournalEntry:
    return _owned(
        JournalEntry, user=user, pk=entry_id, lock=lock, code="ENTRY_NOT_FOUND", message="Journal entry not found."
    )


def journal_image(*, user: User, image_id: UUID | str, lock: bool = False) -> JournalImage:
    return _owned(JournalImage, user=user, pk=image_id, lock=lock, code="IMAGE_NOT_FOUND", message="Image not found.")


def storage_usage(*, user: User) -> JournalStorageUsage:
    """What the trader's images take (zero before their first upload)."""
    return JournalStorageUsage.objects.filter(user=user).first() or JournalStorageUsage(user=user)


def unswept_series() -> list[tuple[UUID, UUID | None, str]]:
    """(user id, exchange account id, symbol) of every series with a fill newer than its last
    update saw, or never updated: one GROUP BY over the fills (a sweep every few minutes).

    A fill whose transaction commits after a later-created one was already swept is not seen
    here; `manage.py rebuild_journal` covers that, as it covers everything."""
    rows = fetch_rows(
        """SELECT f.user_id, f.exchange_account_id, f.symbol FROM trades_fill f
        LEFT OUTER JOIN journal_journalseries s ON s.user_id = f.user_id AND s.symbol = f.symbol
            AND (s.exchange_account_id = f.exchange_account_id
                 OR (s.exchange_account_id IS NULL AND f.exchange_account_id IS NULL))
        GROUP BY f.user_id, f.exchange_account_id, f.symbol, s.fills_seen_at
        HAVING s.fills_seen_at IS NULL OR MAX(f.created_at) > s.fills_seen_at
        ORDER BY f.user_id, f.exchange_account_id, f.symbol"""
    )
    # UUIDs whatever the backend (SQLite's raw rows hold them as hex).
    return [
        (UUID(str(row["user_id"])), row["exchange_account_id"] and UUID(str(row["exchange_account_id"])), row["symbol"])
        for row in rows
    ]
