from __future__ import annotations

from datetime import UTC, datetime

from django.db import models
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
