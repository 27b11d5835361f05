"""Seed 003's journal entries: `GET|POST /journal/entries`, `GET|PUT|DELETE /journal/entries/{id}`.
Content is Markdown, stored and returned as written (pages render it sanitised)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.core.pagination import DeskPagination, page_parameters
from apps.core.query import reject_unknown_parameters
from apps.journal.api.trades import TAGS
from apps.journal.presenters import present_entry
from apps.journal.selectors import journal_entries, journal_entry
from apps.journal.serializers import EntryInput, EntryOutput, EntryPageOutput
from apps.journal.services.entries import create_entry, delete_entry, update_entry

ENTRY_ID = OpenApiParameter("entry_id", str, OpenApiParameter.PATH, description="Entry id (UUID).")


class EntryListView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_entries_list",
        summary="Your journal entries, newest first",
        parameters=page_parameters(),
        responses={200: EntryPageOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, {"page", "limit"})
        paginator = DeskPagination()
        entries = paginator.paginate_queryset(journal_entries(user=request.user), request, self)
        return paginator.get_paginated_response([present_entry(entry) for entry in entries])

    @extend_schema(
        tags=TAGS,
        operation_id="journal_entries_create",
        request=EntryInput,
        responses={201: EntryOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = EntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = create_entry(user=request.user, **data.validated_data)
        return Response(present_entry(entry), status=status.HTTP_201_CREATED)


class EntryDetailView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_entries_retrieve",
        parameters=[ENTRY_ID],
        responses={200: EntryOutput, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def get(self, request: Request, entry_id: str) -> Response:
        return Response(present_entry(journal_entry(user=request.user, entry_id=entry_id)))

    @extend_schema(
        tags=TAGS,
        operation_id="journal_entries_update",
        summary="Replace the entry's title and content",
        parameters=[ENTRY_ID],
        request=EntryInput,
        responses={200: EntryOutput, **error_responses(Family.DESK, 400, 401, 403, 404)},
    )
    def put(self, request: Request, entry_id: str) -> Response:
        journal_entry(user=request.user, entry_id=entry_id)  # a stranger's entry is a 404 before a 400
        data = EntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(present_entry(update_entry(user=request.user, entry_id=entry_id, **data.validated_data)))

    @extend_schema(
        tags=TAGS,
        operation_id="journal_entries_destroy",
        parameters=[ENTRY_ID],
        responses={204: None, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def delete(self, request: Request, entry_id: str) -> Response:
        delete_entry(user=request.user, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("journal/entries", EntryListView.as_view(), name="journal-entries"),
    path("journal/entries/<str:entry_id>", EntryDetailView.as_view(), name="journal-entry"),
]
