"""Seed 003's journal storage: `POST /journal/upload` (multipart), `GET /journal/storage`,
`DELETE /journal/images/{id}`; and `GET /journal/images/{id}`, the image's bytes, which the
`url` of an image points to: served by the API to its owner only, never from a public folder.
Another trader's image is a 404, never a 403."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses
from apps.core.parsers import MultiPartParser
from apps.core.query import reject_unknown_parameters
from apps.journal.api.trades import TAGS
from apps.journal.presenters import present_image, present_storage
from apps.journal.selectors import journal_image, storage_usage
from apps.journal.serializers import ImageOutput, ImageUploadInput, StorageOutput
from apps.journal.services.images import delete_image, upload_image

IMAGE_ID = OpenApiParameter("image_id", str, OpenApiParameter.PATH, description="Image id (UUID).")


class UploadView(APIView):
    permission_classes = [CanTrade]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_upload_create",
        summary="Upload an image (PNG, JPEG or WebP), optionally onto one of your journal trades",
        description="Checked by its content, not its name or declared type, and stored re-encoded "
        "without its metadata (EXIF, GPS). 413 past the size limit or your storage quota.",
        request=ImageUploadInput,  # multipart/form-data: the schema follows parser_classes
        responses={201: ImageOutput, **error_responses(Family.DESK, 400, 401, 403, 404, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        data = ImageUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        image = upload_image(user=request.user, upload=fields["file"], trade_id=fields.get("trade_id"))
        return Response(present_image(image), status=status.HTTP_201_CREATED)


class StorageView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_storage_retrieve",
        summary="How much of your image storage is used",
        responses={200: StorageOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        usage = storage_usage(user=request.user)
        return Response(present_storage(usage, quota=settings.JOURNAL_STORAGE_QUOTA_BYTES))


class ImageView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="journal_images_retrieve",
        summary="The image's bytes (yours only)",
        parameters=[IMAGE_ID],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The stored image"),
            **error_responses(Family.DESK, 401, 403, 404),
        },
    )
    def get(self, request: Request, image_id: str) -> FileResponse:
        image = journal_image(user=request.user, image_id=image_id)
        try:
            stream = default_storage.open(image.file, "rb")
        except FileNotFoundError:
            raise ApiError(status=404, code="IMAGE_NOT_FOUND", message="Image not found.") from None
        response = FileResponse(stream, content_type=image.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(
        tags=TAGS,
        operation_id="journal_images_destroy",
        summary="Delete the image and give its bytes back to your quota",
        parameters=[IMAGE_ID],
        responses={204: None, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def delete(self, request: Request, image_id: str) -> Response:
        delete_image(user=request.user, image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("journal/upload", UploadView.as_view(), name="journal-upload"),
    path("journal/storage", StorageView.as_view(), name="journal-storage"),
    path("journal/images/<str:image_id>", ImageView.as_view(), name="journal-image"),
]
