"""Seed 003's tags: `GET|POST /journal/tags`, `PUT|DELETE /journal/tags/{id}`. Names are
unique per trader in any case (409 TAG_EXISTS)."""

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
from apps.journal.api.trades import TAGS
from apps.journal.presenters import present_tag
from apps.journal.selectors import journal_tag, journal_tags
from apps.journal.serializers import TagInput, TagListOutput, TagOutput
from apps.journal.services.tags import create_tag, delete_tag, update_tag

TAG_ID = OpenApiParameter("tag_id", str, OpenApiParameter.PATH, description="Tag id (UUID).")


def _tag(request: Request, tag_id: object, *, status_code: int = status.HTTP_200_OK) -> Response:
    tag = journal_tags(user=request.user).get(id=tag_id)
    return Response(present_tag(tag), status=status_code)


class TagListView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_tags_list",
        summary="All your tags by name, each with how many trades carry it",
        responses={200: TagListOutput, **error_responses(Family.DESK, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response({"data": [present_tag(tag) for tag in journal_tags(user=request.user)]})

    @extend_schema(
        tags=TAGS,
        operation_id="journal_tags_create",
        request=TagInput,
        responses={201: TagOutput, **error_responses(Family.DESK, 400, 401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        data = TagInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag = create_tag(user=request.user, **data.validated_data)
        return _tag(request, tag.id, status_code=status.HTTP_201_CREATED)


class TagDetailView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_tags_update",
        summary="Rename or recolour the tag (both fields: PUT replaces)",
        parameters=[TAG_ID],
        request=TagInput,
        responses={200: TagOutput, **error_responses(Family.DESK, 400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, tag_id: str) -> Response:
        journal_tag(user=request.user, tag_id=tag_id)  # a stranger's tag is a 404 before a 400
        data = TagInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag = update_tag(user=request.user, tag_id=tag_id, **data.validated_data)
        return _tag(request, tag.id)

    @extend_schema(
        tags=TAGS,
        operation_id="journal_tags_destroy",
        summary="Delete the tag; it comes off every trade that carried it",
        parameters=[TAG_ID],
        responses={204: None, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def delete(self, request: Request, tag_id: str) -> Response:
        delete_tag(user=request.user, tag_id=tag_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("journal/tags", TagListView.as_view(), name="journal-tags"),
    path("journal/tags/<str:tag_id>", TagDetailView.as_view(), name="journal-tag"),
]
