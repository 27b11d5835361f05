from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.utils.functional import SimpleLazyObject, empty
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import (
    OVERSIZE,
    api_exception_handler,
    error_json_response,
    family_for_path,
    outage_error,
    oversize_message,
)

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
        if isinstance(exception, OVERSIZE):
            # A plain Django view read too much; Django would answer 400 and log an error.
            return error_json_response(request.path_info, status=413, message=oversize_message(exception))
        if isinstance(exception, (Http404, PermissionDenied, SuspiciousOperation, BadRequest)):
            return None  # Django turns these into 4xx responses, which __call__ then wraps.
        outage = outage_error(exception, path=request.path_info)
        if outage is not None:
            response = error_json_response(
                request.path_info, status=outage.status_code, message=str(outage.detail), code=outage.error_code
            )
            response._has_been_logged = True  # its warning is written; Django would log an ERROR too
            return response
        logger.exception("Unhandled error on %s", request.path_info, exc_info=exception)
        return error_json_response(request.path_info, status=500, message="Internal server error.")


class ApiRequestBodyMiddleware:
    """Every API request body is within the limits and parses, or the request is answered in its
    family's envelope before the view runs: 413, 415 or 400.

    - A Content-Length over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 before anything reads the body
      (or authenticates), so a 10 MB body costs the server its headers only. The API takes no
      file uploads, so the whole body counts. A body without a Content-Length is never parsed
      (DRF reads no body then), and one that turns out longer than declared is bounded where it
      is read: Django raises RequestDataTooBig, the exception handler answers 413.
    - A write's body is parsed with its view's own parsers before the view runs, so a body that
      is malformed, too deep, carries NUL or has a content type the view does not take is refused
      even by a view that never reads it (a logout does not answer 200 to `{"a":` or to XML).
      The errors come out of the one exception handler. What the fields hold is the view's own
      business: its serializer still validates it.

    Pages keep Django's own behaviour.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit and family_for_path(request.path_info):
            return error_json_response(request.path_info, status=413, message=oversize_message())
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        view_class = getattr(view_func, "cls", None)
        if (
            request.method in SAFE_METHODS
            or _declared_length(request) == 0
            or not (isinstance(view_class, type) and issubclass(view_class, APIView))
            or family_for_path(request.path_info) is None
        ):
            return None
        view = view_class(**getattr(view_func, "initkwargs", {}))
        # DRF keeps the bytes (JSON, forms) or the parsed multipart on the HttpRequest, so the
        # view's own Request reads them again without touching the stream.
        parsing = Request(request, parsers=view.get_parsers())
        try:
            parsing.data  # noqa: B018 -- parsed for its errors only
        except (APIException, UnreadablePostError, *OVERSIZE) as exc:
            return _rendered(api_exception_handler(exc, {"request": request}))
        return None


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, with the message store made when a message is first added or
    read: no API request and few pages touch it, and making it (a cookie signer, a cookie store
    and a session store) cost every request 10 to 50 µs. A store never made holds nothing to
    save, as Django's own would save nothing then."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        store = getattr(request, "_messages", None)
        if isinstance(store, SimpleLazyObject) and store._wrapped is empty:
            return response
        return super().process_response(request, response)


def _rendered(response: Response) -> Response:
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    return response.render()


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads a malformed length as no body at all
