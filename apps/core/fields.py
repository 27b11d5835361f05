"""Serializer fields every app uses.

The `Strict*` fields take a value only in the JSON type the OpenAPI schema gives it. DRF's own
fields guess: `CharField` turns `0` into `"0"`, `ChoiceField` takes `1` for `"1"`, `UUIDField`
takes an integer, `IntegerField` takes `"5"`, `BooleanField` takes `"yes"` and `0`. A client that
sends the wrong type has a bug; answering 201 hides it, and the schema would promise a contract
the server does not keep. Serializers in `apps/` use these, never DRF's coercing ones
(`tests/core/test_strict_fields.py` walks every serializer and every request body to hold it).

Text fields here (email aside) also keep surrounding whitespace, which DRF trims by default: the
schema's `minLength`/`maxLength` then measure what the server measures.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

NOT_A_STRING = "Not a valid string."
NOT_AN_INTEGER = "Not a valid integer."
NOT_A_NUMBER = "Not a valid number."
NOT_A_BOOLEAN = "Must be true or false."


def iso_z(value: datetime | None, *, milliseconds: bool = False) -> str | None:
    """UTC ISO-8601 with a `Z`, as the seeds write times."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds" if milliseconds else "seconds").replace("+00:00", "Z")


class StrictField:
    """Marks a field that refuses values outside its schema type (see the module docstring)."""


class _StringsOnly(StrictField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_A_STRING, code="invalid")
        return super().to_internal_value(data)  # type: ignore[misc]


class _Untrimmed:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class _BlankIsNotNull:
    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # DRF's DecimalField reads "" as null when the field allows null; "" is no number, and
        # null is sent as null.
        return serializers.Field.validate_empty_values(self, data)  # type: ignore[arg-type]


class StrictCharField(_StringsOnly, _Untrimmed, serializers.CharField):
    pass


class StrictRegexField(_StringsOnly, _Untrimmed, serializers.RegexField):
    """The whole value matches, as the schema's `pattern` means it: DRF's `search` lets `$` match
    before a trailing newline, and Python's `\\d` takes digits of every script."""

    def __init__(self, regex: str, **kwargs: Any) -> None:
        self.whole = re.compile(regex, re.ASCII)
        super().__init__(regex, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not self.whole.fullmatch(value):
            self.fail("invalid")
        return value


class StrictEmailField(_StringsOnly, serializers.EmailField):
    """Trimmed, unlike the other text fields: an address pasted with a space around it is still
    the address (and is normalised before use anyway)."""


class StrictDateTimeField(_StringsOnly, serializers.DateTimeField):
    pass


UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class StrictUUIDField(_StringsOnly, serializers.UUIDField):
    """A UUID in its canonical 8-4-4-4-12 form, as `format: uuid` means (DRF also takes an
    integer, braces, a `urn:uuid:` prefix or bare hex)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not UUID_PATTERN.fullmatch(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictChoiceField(StrictField, serializers.ChoiceField):
    """One of `choices`, compared as sent: `1` is not the choice `"1"`, nor `true` the choice `"True"`."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) and all(isinstance(key, str) for key in self.choices):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictIntegerField(StrictField, serializers.IntegerField):
    """A JSON integer (`5`, or `5.0`, which JSON Schema counts as one); never `"5"` or `true`.
    For request bodies: a query string's values are all text (see `apps/core/pagination.py`)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float | Decimal):
            raise serializers.ValidationError(NOT_AN_INTEGER, code="invalid")
        return super().to_internal_value(data)


class StrictBooleanField(StrictField, serializers.BooleanField):
    """`true` or `false`; DRF would also take `"yes"`, `"off"`, `1` and `0`."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            raise serializers.ValidationError(NOT_A_BOOLEAN, code="invalid")
        return data


# A decimal numeral as text: digits, maybe a sign and a fraction; no exponent, no whitespace.
NUMERAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_NUMERAL = re.compile(NUMERAL_PATTERN)


class StrictNumberField(StrictField, _BlankIsNotNull, serializers.DecimalField):
    """A JSON number read as a Decimal (seed 003's risk config writes `2.0`, seed 004's orders
    `1.5`), written back as a number; never a boolean. With `numerals`, also the same value as a
    decimal string (`"0.125"`), which those APIs have always taken: the schema then says
    `oneOf` number or numeral (apps/core/openapi.py)."""

    def __init__(self, *, numerals: bool = False, **kwargs: Any) -> None:
        self.numerals = numerals
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", None)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        numeral = self.numerals and isinstance(data, str) and _NUMERAL.fullmatch(data)
        if not numeral and (isinstance(data, bool) or not isinstance(data, int | float | Decimal)):
            raise serializers.ValidationError(NOT_A_NUMBER, code="invalid")
        return super().to_internal_value(data)


def schema_field(field_class: type[serializers.Field], schema: dict[str, Any], **kwargs: Any) -> serializers.Field:
    """A `field_class(**kwargs)` documented as `schema`. `extend_schema_field` on an instance does
    not last: a serializer rebuilds its declared fields from their arguments, dropping what was
    set on them, so the schema goes on a subclass made for this one field."""
    documented = type(field_class.__name__, (field_class,), {"__module__": field_class.__module__})
    return extend_schema_field(schema)(documented)(**kwargs)


class IsoZDateTimeField(StrictDateTimeField):
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


# Up to 20 digits before the point and 18 after (the NUMERIC(38, 18) columns), no sign, no
# exponent, no whitespace. The look-ahead asks for one non-zero digit: an amount is positive.
AMOUNT_PATTERN = r"^(?=[0-9.]*[1-9])[0-9]{1,20}(\.[0-9]{1,18})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)


class AmountField(StrictField, _BlankIsNotNull, serializers.DecimalField):
    """A price or quantity: a positive decimal string in (`"0.5"`, up to 18 places), `plain_amount`
    out. The pattern is the whole rule, so the schema says exactly what is accepted (on the way in;
    apps/core/openapi.py); a JSON number is refused, as seed 003 writes amounts as strings and a
    float may not be the value meant."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 38)
        kwargs.setdefault("decimal_places", 18)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_A_STRING, code="invalid")
        if not _AMOUNT.fullmatch(data):
            raise serializers.ValidationError(
                'Must be a positive decimal string, such as "0.5" (at most 20 digits before the point and 18 after).',
                code="invalid",
            )
        return super().to_internal_value(data)

    def to_representation(self, value: Decimal) -> str | None:
        return plain_amount(value)
