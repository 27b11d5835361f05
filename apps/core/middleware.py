from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse

from apps.core.errors import error_json_response, family_for_path

logger = logging.getLogger(__name__)


class ApiErrorEnvelopeMiddleware:
    """No HTML error page or traceback reaches an API client, in DEBUG or not.

    DRF views already answer in their family's envelope. This catches the rest: URLs that
    resolve to nothing, Django's own 400/403/404/500 pages (including DEBUG's technical
    pages) and exceptions raised by plain Django views under an API path.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or family_for_path(request.path_info) is None:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        message = {404: "Not found.", 405: "Method not allowed."}.get(status, HTTPStatus(status).phrase + ".")
        if status >= 500:
            message = "Internal server error."
        envelope = error_json_response(request.path_info, status=status, message=message)
        if response.has_header("Allow"):
            envelope["Allow"] = response["Allow"]
        return envelope

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if family_for_path(request.path_info) is None:
            return None
        if isinstance(exception, (Http404, PermissionDenied, SuspiciousOperation, BadRequest)):
            return None  # Django turns these into 4xx responses, which __call__ then wraps.
        logger.exception("Unhandled error on %s", request.path_info, exc_info=exception)
        return error_json_response(request.path_info, status=500, message="Internal server error.")
