"""Seed 003's trade-history import: `POST /api/v1/trades/import`, `GET /api/v1/trades/import/status`."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.fields import (
    IsoZDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictUUIDField,
)
from apps.core.openapi import error_responses
from apps.exchanges.models import AccountStatus, ExchangeAccount
from apps.exchanges.selectors import account_for
from apps.trades.models import HistoryImport, ImportStatus
from apps.trades.services.imports import start_history_import

TAGS = ["trades (seed 003)"]


class ImportErrorSerializer(serializers.Serializer):
    symbol = StrictCharField(allow_null=True)
    message = StrictCharField()
    at = StrictCharField()
    retryable = StrictBooleanField(required=False)


class ImportStatusSerializer(serializers.Serializer):
    id = StrictUUIDField()
    exchange_account_id = StrictUUIDField()
    status = StrictChoiceField(choices=ImportStatus.choices)
    symbols = serializers.ListField(child=StrictCharField())
    symbols_done = serializers.ListField(child=StrictCharField())
    pages_done = StrictIntegerField()
    trades_imported = StrictIntegerField()
    cursor = serializers.DictField(
        child=StrictCharField(allow_null=True), help_text="The last venue cursor saved, per symbol."
    )
    errors = ImportErrorSerializer(many=True)
    created_at = IsoZDateTimeField()
    started_at = IsoZDateTimeField(allow_null=True)
    finished_at = IsoZDateTimeField(allow_null=True)


class ImportListSerializer(serializers.Serializer):
    imports = ImportStatusSerializer(many=True)


def latest_imports(*, user: User, account: ExchangeAccount | None = None) -> QuerySet[HistoryImport]:
    """The newest import of each of the user's active accounts (or of one account)."""
    newest = HistoryImport.objects.filter(exchange_account=OuterRef("exchange_account")).order_by("-created_at")
    imports = HistoryImport.objects.filter(
        user=user, exchange_account__status=AccountStatus.ACTIVE, id=Subquery(newest.values("id")[:1])
    )
    if account is not None:
        imports = imports.filter(exchange_account=account)
    return imports.order_by("-created_at")


class StartImportView(APIView):
    permission_classes = [CanTrade]

    class StartImportInputSerializer(serializers.Serializer):
        exchange_account_id = StrictUUIDField()

    @extend_schema(
        tags=TAGS,
        operation_id="trades_import_start",
        summary="Start a trade-history import for an exchange account",
        description=(
            "Queues an import of every symbol the account traded (answered 202 at once; follow it on "
            "`/trades/import/status`). While one import of the account is queued or running, this "
            "returns that one instead of starting another. Trades already stored are never stored twice."
        ),
        request=StartImportInputSerializer,
        examples=[
            OpenApiExample(
                "import", value={"exchange_account_id": "5b0c4a8e-0000-4000-8000-000000000000"}, request_only=True
            )
        ],
        responses={202: ImportStatusSerializer, **error_responses(Family.DESK, 400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        body = self.StartImportInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = account_for(user=request.user, account_id=body.validated_data["exchange_account_id"])
        row = start_history_import(user=request.user, account=account)
        return Response(ImportStatusSerializer(row).data, status=202)


class ImportStatusView(APIView):
    permission_classes = [CanTrade]

    class FilterSerializer(serializers.Serializer):
        exchange_account_id = StrictUUIDField(required=False)

    @extend_schema(
        tags=TAGS,
        operation_id="trades_import_status",
        summary="Progress of the latest history import of each exchange account",
        parameters=[
            OpenApiParameter(
                "exchange_account_id",
                OpenApiTypes.UUID,
                required=False,
                description="Only this account's latest import.",
            )
        ],
        responses={200: ImportListSerializer, **error_responses(Family.DESK, 400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params.dict())  # an empty id is a 400, not absent
        query.is_valid(raise_exception=True)
        account_id = query.validated_data.get("exchange_account_id")
        account = account_for(user=request.user, account_id=account_id) if account_id else None
        imports = latest_imports(user=request.user, account=account)
        return Response({"imports": ImportStatusSerializer(imports, many=True).data})


urlpatterns = [
    path("trades/import", StartImportView.as_view(), name="trades-import"),
    path("trades/import/status", ImportStatusView.as_view(), name="trades-import-status"),
]
