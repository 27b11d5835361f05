"""The two pagination shapes the seeds document.

- `PageLimitPagination`: `?page=&limit=` and `{"data": [...], "pagination": {"page", "limit", "total"}}`
  (seeds 001-002, with `"success": true`).
- `PageSizePagination`: `?page=&page_size=` and `{"data", "page", "page_size", "total_results",
  "total_pages", "next_page_url", "prev_page_url"}` (seed 004's chain reads).

A page past the last one is not an error: it answers 200 with empty `data` and the same totals, so
a client that fetches "until empty" stops cleanly, and a list that shrank between two requests
does not turn the next page into a failure. Only a page or size that is not a positive integer
written in digits, or is over its maximum, is a 400; `page_parameters` puts the same bounds in
the OpenAPI schema, so a client (or schemathesis) can tell from the schema what is accepted.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.core.errors import ApiError
from apps.core.fields import StrictIntegerField
from apps.core.rows import PagedRows

_DIGITS = re.compile(r"[0-9]+")
# The last page number a client may ask for (past the last page with rows, it is just empty).
MAX_PAGE = 2**31 - 1


def parse_bounded_int(raw: str | None, *, name: str, default: int, maximum: int) -> int:
    """A positive integer query parameter up to `maximum`, or a 400 that names the parameter and
    its bounds (`page_parameters` states the same bounds in the schema).

    Only ASCII digits, as the schema's `integer` means: `int()` would also take `" 5"`, `"+5"`,
    `"5_0"` and digits of other scripts, and an empty value is not a number either."""
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw):
        raise ApiError(status=400, message=f"{name} must be a positive integer.")
    # Any numeral this long is past every maximum (and int() refuses one past 4300 digits).
    value = int(raw) if len(raw) <= 18 else 10**18
    if value < 1:
        raise ApiError(status=400, message=f"{name} must be a positive integer.")
    if value > maximum:
        raise ApiError(status=400, message=f"{name} must be at most {maximum}.")
    return value


def page_parameters(
    *, size_name: str = "limit", default_size: int = 20, max_size: int = 100, max_page: int = MAX_PAGE
) -> list[OpenApiParameter]:
    """The `page` and page-size query parameters with the bounds `parse_bounded_int` enforces,
    for the schema of a view that reads them."""
    page = {"type": "integer", "minimum": 1, "maximum": max_page}
    return [
        OpenApiParameter("page", page, description="Page number, from 1 (default 1)."),
        OpenApiParameter(
            size_name,
            {"type": "integer", "minimum": 1, "maximum": max_size},
            description=f"Results per page, 1 to {max_size} (default {default_size}).",
        ),
    ]


class _PagedSlice(BasePagination):
    page_size_param = "limit"
    default_page_size = 20
    max_page_size = 100

    def paginate_queryset(self, queryset: QuerySet | PagedRows | list, request: Request, view: Any = None) -> list:
        self.request = request
        self.page = parse_bounded_int(request.query_params.get("page"), name="page", default=1, maximum=MAX_PAGE)
        self.size = parse_bounded_int(
            request.query_params.get(self.page_size_param),
            name=self.page_size_param,
            default=self.default_page_size,
            maximum=self.max_page_size,
        )
        self.total = len(queryset) if isinstance(queryset, list) else queryset.count()
        self.total_pages = max(1, math.ceil(self.total / self.size))
        if self.page > self.total_pages:
            return []
        offset = (self.page - 1) * self.size
        return list(queryset[offset : offset + self.size])

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": parameter.name, "in": "query", "required": False, "schema": parameter.type}
            for parameter in page_parameters(
                size_name=self.page_size_param, default_size=self.default_page_size, max_size=self.max_page_size
            )
        ]


class PageLimitPagination(_PagedSlice):
    page_size_param = "limit"
    include_success = True

    def get_paginated_response(self, data: list) -> Response:
        body: dict[str, Any] = {"success": True} if self.include_success else {}
        body["data"] = data
        body["pagination"] = {"page": self.page, "limit": self.size, "total": self.total}
        return Response(body)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = {"success": {"type": "boolean"}} if self.include_success else {}
        properties["data"] = schema
        properties["pagination"] = {
            "type": "object",
            "required": ["page", "limit", "total"],
            "properties": {k: {"type": "integer"} for k in ("page", "limit", "total")},
        }
        return {"type": "object", "required": list(properties), "properties": properties}


class PageSizePagination(_PagedSlice):
    page_size_param = "page_size"

    def _page_url(self, page: int | None) -> str | None:
        if page is None:
            return None
        url = self.request.build_absolute_uri()
        return remove_query_param(url, "page") if page == 1 else replace_query_param(url, "page", page)

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "data": data,
                "page": self.page,
                "page_size": self.size,
                "total_results": self.total,
                "total_pages": self.total_pages,
                "next_page_url": self._page_url(self.page + 1 if self.page < self.total_pages else None),
                # Past the end, "previous" is the last page that has rows, not the empty one before.
                "prev_page_url": self._page_url(min(self.page - 1, self.total_pages) if self.page > 1 else None),
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        nullable_url = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["data", "page", "page_size", "total_results", "total_pages", "next_page_url", "prev_page_url"],
            "properties": {
                "data": schema,
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
                "total_results": {"type": "integer"},
                "total_pages": {"type": "integer"},
                "next_page_url": nullable_url,
                "prev_page_url": nullable_url,
            },
        }


class DeskPagination(PageLimitPagination):
    """Seed 003's lists: `{"data", "pagination"}`, without the jobs APIs' `"success"`."""

    include_success = False


class PaginationSerializer(serializers.Serializer):
    """The `pagination` object of `PageLimitPagination` and `DeskPagination`, for the schema."""

    page = StrictIntegerField()
    limit = StrictIntegerField()
    total = StrictIntegerField()
