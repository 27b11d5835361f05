"""Model fields shared by apps."""

from __future__ import annotations

from django.core import checks
from django.db import models

UINT256_MAX = 2**256 - 1


class Uint256Field(models.Field):
    """An unsigned 256-bit integer (wei, token amounts, token ids), exact in both databases.

    PostgreSQL stores NUMERIC(78, 0). SQLite would turn a NUMERIC past 64 bits into a float and
    lose the low digits, so there the column is text holding the decimal digits; the field is
    only compared for equality there, never ordered. Python sees an `int` either way.
    """

    description = "unsigned 256-bit integer"

    def db_type(self, connection) -> str:
        return "numeric(78, 0)" if connection.vendor == "postgresql" else "text"

    def get_internal_type(self) -> str:
        return "Uint256Field"

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_no_choices()]

    def _check_no_choices(self):
        if self.choices:
            return [checks.Error("Uint256Field takes no choices.", obj=self)]
        return []

    def to_python(self, value):
        if value is None or isinstance(value, int):
            return value
        return int(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return int(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        number = int(value)
        if not 0 <= number <= UINT256_MAX:
            raise ValueError(f"{number} is not an unsigned 256-bit integer")
        return number

    def get_db_prep_value(self, value, connection, prepared=False):
        value = value if prepared else self.get_prep_value(value)
        if value is None:
            return None
        return str(value) if connection.vendor != "postgresql" else value
