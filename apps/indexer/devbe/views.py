"""`GET /api/devbe/data/<name>` and `GET /api/devbe/run/<name>`: OPERATOR and ADMIN only, by
cookie or bearer token like the other seed-004 endpoints. Every call by a signed-in user is
audited in DevbeCall with its outcome, refused ones (a viewer's 403, an unknown name's 404, bad
parameters' 400) included; an unauthenticated 401 has nobody to record.

Each registry entry gets its own path and its own schema (its parameters serializer states the
query parameters), so a client can see what each takes; any other name is a 404."""

from __future__ import annotations

import time
from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import IsActiveAccount
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.core.query import reject_unknown_parameters
from apps.indexer.devbe.registry import REGISTRY, Entry, find
from apps.indexer.models import DevbeCall

TAGS = ["devbe (seed 004)"]
# Parameter values are kept in the audit up to this length: enough to see what was asked.
AUDIT_VALUE_CHARS = 300


class IsOperator(IsActiveAccount):
    message = "devbe is for operators and admins."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and request.user.role in (Role.OPERATOR, Role.ADMIN)


class DevbeView(APIView):
    permission_classes = [IsOperator]
    kind = ""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._started = time.monotonic()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: Request, name: str) -> Response:
        entry = find(self.kind, name)
        reject_unknown_parameters(request.query_params, set(entry.params().fields))
        params = entry.params(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        return Response(entry.handler(dict(params.validated_data)))

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            DevbeCall.objects.create(
                user=user,
                kind=self.kind,
                name=str(kwargs.get("name", ""))[:64],
                params={k: v[:AUDIT_VALUE_CHARS] for k, v in request.query_params.items()},
                status_code=response.status_code,
                duration_ms=round((time.monotonic() - self._started) * 1000),
            )
        return response


def _entry_view(kind: str, name: str, entry: Entry) -> type[DevbeView]:
    """A view for one entry: the shared behaviour, with that entry's schema."""

    @extend_schema(
        tags=TAGS,
        operation_id=f"devbe_{kind}_{name}",
        summary=f"devbe {kind}: {name}",
        description=f"{entry.description} OPERATOR or ADMIN only; every call is audited. "
        "A bad or unknown parameter is a 400.",
        parameters=[entry.params],
        responses={200: OpenApiTypes.OBJECT, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self: DevbeView, request: Request, name: str) -> Response:
        return DevbeView.get(self, request, name)

    return type(f"Devbe_{kind}_{name}", (DevbeView,), {"kind": kind, "get": get})


def _unknown_view(kind: str) -> type[DevbeView]:
    @extend_schema(exclude=True)
    def get(self: DevbeView, request: Request, name: str) -> Response:
        return DevbeView.get(self, request, name)

    return type(f"DevbeUnknown_{kind}", (DevbeView,), {"kind": kind, "get": get})


def urlpatterns() -> list[URLPattern]:
    """One path per registry entry, then each kind's catch-all (an unknown name: 404, audited)."""
    patterns = [
        # The name is passed as a URL kwarg, as the catch-all's is, for the audit.
        path(f"devbe/{kind}/{name}", _entry_view(kind, name, entry).as_view(), {"name": name})
        for (kind, name), entry in REGISTRY.items()
    ]
    for kind in ("data", "run"):
        patterns.append(path(f"devbe/{kind}/<str:name>", _unknown_view(kind).as_view()))
    return patterns
