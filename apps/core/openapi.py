"""Schema pieces shared by every app: the schema generator, and each family's error envelope
for @extend_schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from apps.core.errors import Family
from apps.core.fields import AMOUNT_PATTERN, NUMERAL_PATTERN, StrictBooleanField, StrictCharField


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's generator, made to state two things it leaves out.

    - A DELETE that reads a body (withdrawing an offer names the wallet that made it) declares it
      with `@extend_schema(request=...)`; drf-spectacular drops bodies on DELETE, and a client
      that sends none is told 400 by a schema that never asked for one.
    - A serializer's `request_schema` (for example `{"additionalProperties": False}` where an
      unknown field is a 400, or `{"minProperties": 1}` where an empty body is) is merged into its
      request component: rules of the whole object that no single field can state.
    """

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        if self.method != "DELETE":
            body = super()._get_request_body(direction)
            # A body whose object must have a property cannot be left out either (a PATCH's
            # fields are all optional, so drf-spectacular marks its body optional).
            if body and (getattr(self.get_request_serializer(), "request_schema", None) or {}).get("minProperties"):
                body["required"] = True
            return body
        # Only a body the view declares counts, never one guessed from the view's attributes.
        self._get_serializer = lambda: None
        try:
            declared = self.get_request_serializer()
        finally:
            del self._get_serializer
        if declared is None:
            return None
        self.method = "POST"  # the parent documents bodies on POST, PUT and PATCH only
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        extra = getattr(serializer, "request_schema", None)
        if direction == "request" and extra:
            schema = {**schema, **extra}
        return schema


def number_or_numeral(number: dict[str, Any]) -> dict[str, Any]:
    """The schema of a StrictNumberField that also takes numerals: `number`, or a decimal string."""
    return {"oneOf": [number, {"type": "string", "pattern": NUMERAL_PATTERN}]}


class AmountFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.fields.AmountField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        # A request's amount is positive and plain (the pattern is the field's whole rule); a
        # response's may be zero or negative (a balance, a realised loss).
        schema = {"type": "string", "format": "decimal", "example": "50000.5"}
        return {**schema, "pattern": AMOUNT_PATTERN} if direction == "request" else schema


class StrictNumberFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.core.fields.StrictNumberField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        number = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not (self.target.numerals and direction == "request"):
            return number
        # Written back as a number: only a request may carry the numeral.
        meta = {key: number.pop(key) for key in ("description", "nullable", "default") if key in number}
        return {**number_or_numeral(number), **meta}


_MESSAGES = {
    400: "Bad request: invalid parameters",
    401: "Missing or invalid authentication",
    403: "Not allowed (insufficient role, or the account is pending or suspended)",
    404: "Not found",
    409: "Conflict",
    429: "Too many requests",
    502: "An upstream service failed",
    503: "A dependency is unavailable",
}


class _ErrorObject(serializers.Serializer):
    code = StrictCharField()
    message = StrictCharField()
    details = serializers.DictField(child=serializers.ListField(child=StrictCharField()), required=False)


class JobsErrorSerializer(serializers.Serializer):
    success = StrictBooleanField()
    error = _ErrorObject()


class DeskErrorSerializer(serializers.Serializer):
    error = _ErrorObject()


class AppErrorSerializer(serializers.Serializer):
    error = StrictCharField()
    code = StrictCharField()
    details = serializers.DictField(child=serializers.ListField(child=StrictCharField()), required=False)


_SERIALIZERS = {Family.JOBS: JobsErrorSerializer, Family.DESK: DeskErrorSerializer, Family.APP: AppErrorSerializer}


def error_responses(family: Family, *statuses: int) -> dict[int, OpenApiResponse]:
    """`{status: response}` entries documenting the family's error envelope."""
    return {
        status: OpenApiResponse(response=_SERIALIZERS[family], description=_MESSAGES.get(status, "Error"))
        for status in statuses
    }
