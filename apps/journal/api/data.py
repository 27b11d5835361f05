"""The journal's data in and out: `GET /journal/trades/export` (the trades as CSV, with the list's
filters), `POST /journal/trades/import` (a trades CSV, multipart), and `GET/PATCH
/journal/settings` (the default stop distance and the time zone)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.core.parsers import MultiPartParser
from apps.core.query import reject_unknown_parameters
from apps.journal.api.trades import FILTER_PARAMETERS, TAGS, parse_trade_filters
from apps.journal.csv_trades import EXPORT_COLUMNS, IMPORT_LAYOUT, csv_lines, export_row
from apps.journal.data_serializers import (
    JournalSettingsInput,
    JournalSettingsOutput,
    TradesImportInput,
    TradesImportOutput,
)
from apps.journal.presenters import present_settings, present_trade
from apps.journal.selectors import export_trades
from apps.journal.services.imports import import_trades_csv
from apps.journal.services.journal_settings import journal_settings, update_journal_settings


class JsonErrorsOnly(BaseContentNegotiation):
    """The export answers CSV whatever the client accepts, and its errors in the JSON envelope:
    DRF would answer `Accept: text/csv` 406, as no renderer of its own makes CSV."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class TradeExportView(APIView):
    permission_classes = [CanTrade]
    content_negotiation_class = JsonErrorsOnly

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_export",
        summary="Your closed trades as CSV (for a spreadsheet or a tax tool), with the list's filters",
        description="Streamed, last closed first, one header row. Columns: "
        + ", ".join(f"`{name}`" for name in EXPORT_COLUMNS)
        + ". Amounts are exact decimal strings (P&L and R signed; fees in `fee_currency`, the quote "
        "asset), times ISO-8601 UTC with a `Z`, `tags` the tag names separated by `; `, booleans "
        "`true`/`false`, an unknown value empty. A text cell that would start with `=`, `+`, `-` or "
        "`@` is written with a leading `'`, so a spreadsheet shows it instead of running it.",
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The trades, CSV (RFC 4180)."),
            **error_responses(Family.DESK, 400, 401, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        filters = parse_trade_filters(request)
        rows = (
            export_row({**present_trade(row), "account": row["account"], "notes": row["notes"]})
            for row in export_trades(user=request.user, filters=filters)
        )
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="journal-trades.csv"'
        return response


class TradeImportView(APIView):
    permission_classes = [CanTrade]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_import",
        summary="Import closed trades from a CSV file (multipart, field `file`)",
        description=IMPORT_LAYOUT,
        request=TradesImportInput,  # multipart/form-data: the schema follows parser_classes
        responses={201: TradesImportOutput, **error_responses(Family.DESK, 400, 401, 403, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        data = TradesImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = import_trades_csv(user=request.user, upload=data.validated_data["file"])
        body = {"rows": result.rows, "imported": result.imported, "already_imported": result.already_imported}
        return Response(body, status=status.HTTP_201_CREATED)


class SettingsView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_settings_retrieve",
        summary="Your journal settings",
        responses={200: JournalSettingsOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        return Response(present_settings(journal_settings(user=request.user)))

    @extend_schema(
        tags=TAGS,
        operation_id="journal_settings_update",
        summary="Change your journal settings",
        description="A new default_stop_percent measures the R of every trade marked stop_assumed "
        "against it before the answer; trades with a planned stop keep theirs.",
        request=JournalSettingsInput,
        responses={200: JournalSettingsOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def patch(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        data = JournalSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(present_settings(update_journal_settings(user=request.user, **data.validated_data)))


# Before `journal/trades/<trade_id>`, which would take `export` and `import` for ids.
urlpatterns = [
    path("journal/trades/export", TradeExportView.as_view(), name="journal-trades-export"),
    path("journal/trades/import", TradeImportView.as_view(), name="journal-trades-import"),
    path("journal/settings", SettingsView.as_view(), name="journal-settings"),
]
