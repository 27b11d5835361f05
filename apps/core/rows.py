"""Hot reads written as SQL: statements run on a raw cursor, rows handed back as plain dicts.

For the read endpoints where building and compiling a queryset costs more than running it
(the jobs reads: the ORM's SQL compile was a quarter of a request, its model instances and
DRF's serializers as much again). A selector keeps its statements beside it, one per relation,
never one per row; a `present_*` function turns the dicts into the response. The statements
are plain SQL that PostgreSQL and SQLite both run; values come back as the driver gives them
(a Decimal or an int for a NUMERIC, a naive UTC datetime on SQLite), so presenters normalise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models

Row = dict[str, Any]
_UUID = models.UUIDField()


def uuid_param(value: UUID | str) -> Any:
    """A UUID as the database takes it as a parameter (SQLite stores 32 hex digits)."""
    return _UUID.get_db_prep_value(value, connection)


def exact(value: Decimal | float | int | None, places: int) -> Decimal | None:
    """A NUMERIC column's value (`places` decimal places) as the ORM gives it: PostgreSQL hands
    back that Decimal; SQLite a float or an int, taken by its shortest repr to the column's places."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places))


def fetch_rows(sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """Every row of `sql`, each a dict keyed by the selected column names."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_value(sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row of `sql` (a COUNT(*)), or None without a row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row is not None else None


def columns(alias: str, names: Sequence[str], *, prefix: str = "") -> str:
    """`alias.name AS prefixname, ...`: one table's columns in a SELECT list, named for the dict."""
    return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in names)


class PagedRows:
    """The rows of one filtered SELECT, paged the way `apps.core.pagination` pages a queryset:
    `count()` runs the count statement with `params`; a slice runs the page statement with
    `params` and then the page's LIMIT and OFFSET, and then `attach` (which adds what the page's
    rows need, one query per relation)."""

    def __init__(
        self,
        *,
        count_sql: str,
        page_sql: str,
        params: Sequence[Any],
        attach: Callable[[list[Row]], None] | None = None,
    ) -> None:
        self.count_sql = count_sql
        self.page_sql = page_sql
        self.params = list(params)
        self.attach = attach

    def count(self) -> int:
        return fetch_value(self.count_sql, self.params)

    def __getitem__(self, page: slice) -> list[Row]:
        rows = fetch_rows(self.page_sql, [*self.params, page.stop - page.start, page.start])
        if rows and self.attach is not None:
            self.attach(rows)
        return rows
