"""Seed 003's journal trades: `GET /journal/trades` (paginated, filtered), `GET
/journal/trades/{id}` with notes, tags and images, `PATCH .../notes`, `POST .../tags`,
`DELETE .../tags/{tag_id}`. Another trader's trade or tag is a 404, never a 403."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.fields import UUID_PATTERN
from apps.core.openapi import error_responses
from apps.core.pagination import DeskPagination, page_parameters
from apps.core.query import reject_unknown_parameters
from apps.exchanges.venues.base import SYMBOL_PATTERN
from apps.journal.presenters import present_trade, present_trade_detail
from apps.journal.selectors import TradeFilters, journal_trade, journal_trades
from apps.journal.serializers import (
    DATE_PATTERN,
    JournalTradeDetailOutput,
    JournalTradePageOutput,
    NotesInput,
    TradeFilterQuery,
    TradeTagInput,
)
from apps.journal.services.annotations import tag_trade, untag_trade, update_trade_notes

TAGS = ["journal (seed 003)"]
TRADE_ID = OpenApiParameter("trade_id", str, OpenApiParameter.PATH, description="Journal trade id (UUID).")
TAG_ID = OpenApiParameter("tag_id", str, OpenApiParameter.PATH, description="Tag id (UUID).")
FILTER_NAMES = set(TradeFilterQuery().fields)
_UUID = UUID_PATTERN.pattern
FILTER_PARAMETERS = [
    OpenApiParameter(
        "start_date",
        str,
        pattern=DATE_PATTERN,
        description="Closed from this day (YYYY-MM-DD, UTC) or instant (with its zone).",
    ),
    OpenApiParameter(
        "end_date",
        str,
        pattern=DATE_PATTERN,
        description="Closed up to this day (inclusive) or before this instant; after start_date.",
    ),
    OpenApiParameter("symbol", str, pattern=SYMBOL_PATTERN, description="BTC_USDT (any case)."),
    OpenApiParameter("side", str, enum=["buy", "sell"]),
    OpenApiParameter("tag", str, pattern=_UUID, description="Tag id: trades carrying it."),
    OpenApiParameter("exchange_account_id", str, pattern=_UUID, description="Exchange account id."),
]


def parse_trade_filters(request: Request, *, also: set[str] = frozenset()) -> TradeFilters:
    """The journal's filters from the query string (shared by the list and the analytics); an
    unknown parameter or a bad value is a 400 naming it."""
    reject_unknown_parameters(request.query_params, FILTER_NAMES | also)
    if FILTER_NAMES.isdisjoint(request.query_params):
        # The usual request, the whole history: nothing to validate, and building the
        # serializer (DRF copies every declared field) was a tenth of an unfiltered overview.
        return TradeFilters()
    # A plain dict: DRF reads a QueryDict as an HTML form, where `?symbol=` would mean "absent".
    query = TradeFilterQuery(data={k: v for k, v in request.query_params.dict().items() if k in FILTER_NAMES})
    query.is_valid(raise_exception=True)
    return query.to_filters()


def _detail(request: Request, trade_id: str) -> Response:
    return Response(present_trade_detail(journal_trade(user=request.user, trade_id=trade_id)))


class TradeListView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_list",
        summary="Your closed trades, last closed first",
        parameters=[*FILTER_PARAMETERS, *page_parameters()],
        responses={200: JournalTradePageOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        filters = parse_trade_filters(request, also={"page", "limit"})
        paginator = DeskPagination()
        rows = paginator.paginate_queryset(journal_trades(user=request.user, filters=filters), request, self)
        return paginator.get_paginated_response([present_trade(row) for row in rows])


class TradeDetailView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_retrieve",
        parameters=[TRADE_ID],
        responses={200: JournalTradeDetailOutput, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def get(self, request: Request, trade_id: str) -> Response:
        return _detail(request, trade_id)


class TradeNotesView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_notes_update",
        summary="Replace the trade's notes",
        parameters=[TRADE_ID],
        request=NotesInput,
        responses={200: JournalTradeDetailOutput, **error_responses(Family.DESK, 400, 401, 403, 404)},
    )
    def patch(self, request: Request, trade_id: str) -> Response:
        data = NotesInput(data=request.data)
        data.is_valid(raise_exception=True)
        update_trade_notes(user=request.user, trade_id=trade_id, notes=data.validated_data["notes"])
        return _detail(request, trade_id)


class TradeTagsView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_tags_create",
        summary="Put a tag on the trade, by id or by name (a new name makes the tag)",
        parameters=[TRADE_ID],
        request=TradeTagInput,
        responses={
            201: JournalTradeDetailOutput,
            200: OpenApiResponse(JournalTradeDetailOutput, description="The trade already carried the tag"),
            **error_responses(Family.DESK, 400, 401, 403, 404),
        },
    )
    def post(self, request: Request, trade_id: str) -> Response:
        data = TradeTagInput(data=request.data)
        data.is_valid(raise_exception=True)
        added = tag_trade(user=request.user, trade_id=trade_id, **data.validated_data)
        response = _detail(request, trade_id)
        response.status_code = status.HTTP_201_CREATED if added else status.HTTP_200_OK
        return response


class TradeTagView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_trades_tags_destroy",
        summary="Take a tag off the trade (the tag itself stays)",
        parameters=[TRADE_ID, TAG_ID],
        responses={204: None, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def delete(self, request: Request, trade_id: str, tag_id: str) -> Response:
        untag_trade(user=request.user, trade_id=trade_id, tag_id=tag_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("journal/trades", TradeListView.as_view(), name="journal-trades"),
    path("journal/trades/<str:trade_id>", TradeDetailView.as_view(), name="journal-trade"),
    path("journal/trades/<str:trade_id>/notes", TradeNotesView.as_view(), name="journal-trade-notes"),
    path("journal/trades/<str:trade_id>/tags", TradeTagsView.as_view(), name="journal-trade-tags"),
    path("journal/trades/<str:trade_id>/tags/<str:tag_id>", TradeTagView.as_view(), name="journal-trade-tag"),
]
