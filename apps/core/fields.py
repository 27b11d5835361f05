from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def iso_z(value: datetime | None, *, milliseconds: bool = False) -> str | None:
    """UTC ISO-8601 with a `Z`, as the seeds write times."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace("+00:00", "Z")


class IsoZDateTimeField(serializers.DateTimeField):
    def __init__(self, *, milliseconds: bool = False, **kwargs: object) -> None:
        self.milliseconds = milliseconds
        super().__init__(**kwargs)

    def to_representation(self, value: datetime) -> str | None:
        return iso_z(value, milliseconds=self.milliseconds)


def amount_field(**kwargs: object) -> models.DecimalField:
    """A Decimal column wide enough for any venue's prices and quantities (never a float)."""
    return models.DecimalField(max_digits=38, decimal_places=18, **kwargs)


def plain_amount(value: Decimal | int | str | None) -> str | None:
    """A Decimal as the APIs write it: every significant digit, no trailing zeros, no exponent
    (`"0.5"`, `"100000"`; never `"0.500000000000000000"`, `"1E+5"` or a float)."""
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


@extend_schema_field({"type": "string", "format": "decimal", "example": "50000.5"})
class AmountField(serializers.DecimalField):
    """A price or quantity: a Decimal in (up to 18 places), `plain_amount` out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 38)
        kwargs.setdefault("decimal_places", 18)
        super().__init__(**kwargs)

    def to_representation(self, value: Decimal) -> str | None:
        return plain_amount(value)
