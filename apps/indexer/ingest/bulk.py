"""Inserting many index rows at once, for ingestion's three big tables."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from apps.core.dbfields import Uint256Field

# Values that need the database's own form (aware datetimes on SQLite, 256-bit ints as text on
# SQLite, range-checked everywhere); ints and strings go as they are.
_CONVERTED = (models.DateTimeField, models.DecimalField, Uint256Field)


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts keyed by field attname, all with the same keys) in a few statements.

    bulk_create prepares every value through its field and compiles the statement per batch
    (half of ingestion's write time), and on SQLite splits at 999 parameters; these rows are
    already typed by the decoder, so only the columns that need it are converted."""
    if not rows:
        return
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    names = list(rows[0])
    fields = [by_attname[name] for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = f"({', '.join(['%s'] * len(fields))})"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names from the model
    convert = [field if isinstance(field, _CONVERTED) else None for field in fields]
    values = [
        [f.get_db_prep_save(row[name], connection) if f else row[name] for f, name in zip(convert, names, strict=True)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(head + marks, values)  # SQLite loops in C, without a round trip per row
            return
        # PostgreSQL: executemany is a statement per row; many rows per statement are a round
        # trip per chunk (at most 65,535 parameters in one).
        per = max(1, 65_535 // len(fields))
        for i in range(0, len(values), per):
            chunk = values[i : i + per]
            cursor.execute(head + ", ".join([marks] * len(chunk)), [v for row in chunk for v in row])
