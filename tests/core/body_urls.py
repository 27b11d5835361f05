"""Views that take form and multipart bodies under each family's paths, for the parser tests: no
API endpoint takes them yet, and the first one must be as safe as the JSON ones."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.parsers import FormParser, JSONParser, MultiPartParser


class Echo(APIView):
    """Answers the field names and file names it was sent."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request: Request) -> Response:
        return Response({"fields": sorted(request.data), "files": sorted(request.FILES)})


def plain_form_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"fields": sorted(request.POST), "files": sorted(request.FILES)})


family_routes = [path("echo", Echo.as_view()), path("plain-form", plain_form_view)]

urlpatterns = [
    path("api/v1/jobs/", include(family_routes)),
    path("api/v1/trades/", include(family_routes)),
    path("api/droids/", include(family_routes)),
    path("", include("config.urls")),
]
