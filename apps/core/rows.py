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
from decimal import Context, Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models

Row = dict[str, Any]
_UUID = models.UUIDField()


def uuid_param(value: UUID | str) -> Any:
    """A UUID as the database takes it as a parameter (SQLite stores 32 hex digits)."""
    return _UUID.get_db_prep_value(value, connection)


# Django's SQLite backend reads a DecimalField's double to 15 significant digits: all a double holds.
_SQLITE_DIGITS = Context(prec=15)


def sqlite_decimal(value: float) -> Decimal:
    """A NUMERIC that SQLite handed back as a float (a double), as Django's ORM reads it."""
    return _SQLITE_DIGITS.create_decimal_from_float(value)


def exact(value: Decimal | float | int | None, places: int) -> Decimal | None:
    """A NUMERIC column's value (`places` decimal places) as the ORM gives it: PostgreSQL hands
    back that Decimal; SQLite a float or an int, read as the ORM reads it, to the column's places."""
    if value is None or isinstance(value, Decimal):
        return value
    number = sqlite_decimal(value) if isinstance(value, float) else Decimal(value)
    return number.quantize(Decimal(1).scaleb(-places))


def amount_text(expression: str) -> str:
    """PostgreSQL SQL for a NUMERIC `expression` written as the APIs write an amount
    (apps.core.fields.plain_amount: every significant digit, no trailing zeros, no exponent), so
    a long list of sums needs no Decimal made and formatted per value in Python."""
    return f"CAST(TRIM_SCALE({expression}) AS TEXT)"


def fetch_rows(sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """Every row of `sql`, each a dict keyed by the selected column names (see `as_dicts`)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return as_dicts([column[0] for column in cursor.description], cursor.fetchall())


def as_dicts(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Row]:
    """Fetched rows as dicts keyed by `names`.

    No model has a float column, so a float can only be SQLite's NUMERIC (stored as a double, and
    summed as one): it comes back as a Decimal of 15 significant digits, as Django's own SQLite
    backend reads a DecimalField (`3134.81`, not `3134.80999999999994543`)."""
    if connection.vendor == "sqlite":
        return [
            {k: sqlite_decimal(v) if isinstance(v, float) else v for k, v in zip(names, row, strict=True)}
            for row in rows
        ]
    # No strict zip: the names are the cursor's own columns, and checking cost a quarter of the
    # building on a list of thousands of rows.
    return [dict(zip(names, row, strict=False)) for row in rows]


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
