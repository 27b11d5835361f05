"""Schema pieces shared by every app: each family's error envelope, for @extend_schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from apps.core.errors import Family

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
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class JobsErrorSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    error = _ErrorObject()


class DeskErrorSerializer(serializers.Serializer):
    error = _ErrorObject()


class AppErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    code = serializers.CharField()
    details = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


_SERIALIZERS = {Family.JOBS: JobsErrorSerializer, Family.DESK: DeskErrorSerializer, Family.APP: AppErrorSerializer}


def error_responses(family: Family, *statuses: int) -> dict[int, OpenApiResponse]:
    """`{status: response}` entries documenting the family's error envelope."""
    return {
        status: OpenApiResponse(response=_SERIALIZERS[family], description=_MESSAGES.get(status, "Error"))
        for status in statuses
    }
