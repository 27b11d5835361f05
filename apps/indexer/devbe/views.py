"""`GET /api/devbe/data/<name>` and `GET /api/devbe/run/<name>`: OPERATOR and ADMIN only, by
cookie or bearer token like the other seed-004 endpoints. Every call by a signed-in user is
audited in DevbeCall with its outcome, refused ones (a viewer's 403, an unknown name's 404, bad
parameters' 400) included; an unauthenticated 401 has nobody to record."""

from __future__ import annotations

import time
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import IsActiveAccount
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.core.query import reject_unknown_parameters
from apps.indexer.devbe.registry import REGISTRY, find
from apps.indexer.models import DevbeCall

TAGS = ["devbe (seed 004)"]
# Parameter values are kept in the audit up to this length: enough to see what was asked.
AUDIT_VALUE_CHARS = 300


class IsOperator(IsActiveAccount):
    message = "devbe is for operators and admins."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and request.user.role in (Role.OPERATOR, Role.ADMIN)


def _names(kind: str) -> str:
    return ", ".join(f"`{name}`" for k, name in sorted(REGISTRY) if k == kind)


class _DevbeView(APIView):
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


_ERRORS = error_responses(Family.APP, 400, 401, 403, 404)


class DevbeDataView(_DevbeView):
    kind = "data"

    @extend_schema(
        tags=TAGS,
        operation_id="devbe_data",
        summary="Run a named read-only query",
        description=f"Known queries: {_names('data')}. `walletSummary` takes `address`. Unknown name 404, "
        "bad or unknown parameters 400; OPERATOR or ADMIN only; every call is audited.",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, description="the query's name"),
            OpenApiParameter("address", str, description="walletSummary: 0x and 40 hex digits"),
        ],
        responses={200: OpenApiTypes.OBJECT, **_ERRORS},
    )
    def get(self, request: Request, name: str) -> Response:
        return super().get(request, name)


class DevbeRunView(_DevbeView):
    kind = "run"

    @extend_schema(
        tags=TAGS,
        operation_id="devbe_run",
        summary="Run a named read-only script",
        description=f"Known scripts: {_names('run')}. `verifySignature` takes `address`, `message` and "
        "`signature` (an EIP-191 personal-message signature) and answers `valid` and `recovered_address`; "
        "a malformed signature is a 400, another signer's is `valid: false`.",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, description="the script's name"),
            OpenApiParameter("address", str),
            OpenApiParameter("message", str),
            OpenApiParameter("signature", str),
        ],
        responses={200: OpenApiTypes.OBJECT, **_ERRORS},
    )
    def get(self, request: Request, name: str) -> Response:
        return super().get(request, name)
