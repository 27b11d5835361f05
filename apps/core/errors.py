"""Error envelopes: one exception handler, one envelope per API family, chosen by path.

- agent jobs (seeds 000-002): /api/v1/config, /api/v1/jobs, /api/v1/disputes, /api/v1/tee
  -> {"success": false, "error": {"code", "message"}}
- trading desk (seed 003): the rest of /api/v1, /health, /metrics -> {"error": {"code", "message"}}
- trading app (seed 004): /api/v1/health, transactions, blocks, tokens and every other /api path
  -> {"error": "...", "code": "400"}
"""

from __future__ import annotations

import enum
import logging
import re
from http import HTTPStatus
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse, UnreadablePostError
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class Family(enum.Enum):
    JOBS = "jobs"
    DESK = "desk"
    APP = "app"


_FAMILY_PATTERNS: list[tuple[re.Pattern[str], Family]] = [
    (re.compile(r"^/api/v1/(config|jobs|disputes|tee)(/|$)"), Family.JOBS),
    (re.compile(r"^/api/v1/(health|transactions|blocks|tokens)(/|$)"), Family.APP),
    (re.compile(r"^/api/v1(/|$)"), Family.DESK),
    (re.compile(r"^/(health|metrics)(/|$)"), Family.DESK),
    (re.compile(r"^/api(/|$)"), Family.APP),
]

_DEFAULT_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
}


def family_for_path(path: str) -> Family | None:
    """The API family that owns `path`, or None for pages and the admin."""
    for pattern, family in _FAMILY_PATTERNS:
        if pattern.match(path):
            return family
    return None


def default_code(status: int) -> str:
    return _DEFAULT_CODES.get(status, HTTPStatus(status).phrase.upper().replace(" ", "_"))


class ApiError(exceptions.APIException):
    """An error a client should see as it is: a status, a stable code and a readable message."""

    def __init__(
        self,
        *,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message)
        self.status_code = status
        self.error_code = code or default_code(status)
        self.headers = headers or {}
        # Structured context a client can act on (the rules a trade broke), beside the message.
        self.details = details


# Redis or the Celery broker out of reach is an outage, not a bug: the client gets a 503 that
# names the part and the log gets one line, not a traceback.
REDIS_OUTAGES: tuple[type[Exception], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class OutageError(ApiError):
    """503: a part the request needs is down. Whoever raises it has logged its one warning line,
    so the response is marked as logged: Django would add an ERROR line for every 5xx."""

    def __init__(self, *, code: str, message: str) -> None:
        super().__init__(status=503, code=code, message=message)


def outage_error(exc: BaseException, *, path: str) -> OutageError | None:
    """The 503 for an exception that means a part is down (and its one warning line), else None."""
    if isinstance(exc, kombu.exceptions.OperationalError):
        code, message = "BROKER_UNAVAILABLE", "Task broker unavailable; try again shortly."
    elif isinstance(exc, REDIS_OUTAGES):
        code, message = "CACHE_UNAVAILABLE", "Redis (cache) unavailable; try again shortly."
    else:
        return None
    logger.warning("%s on %s (%s: %s)", message, path, type(exc).__name__, exc)
    return OutageError(code=code, message=message)


def error_body(
    family: Family | None,
    *,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if family is Family.APP:
        body: dict[str, Any] = {"error": message, "code": str(status)}
        if details:
            body["details"] = details
        return body
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    if family is Family.JOBS:
        return {"success": False, "error": error}
    return {"error": error}


def error_json_response(path: str, *, status: int, message: str, code: str | None = None) -> JsonResponse:
    """The envelope as a plain Django response, for errors raised outside DRF."""
    body = error_body(
        family_for_path(path) or Family.DESK,
        status=status,
        code=code or default_code(status),
        message=message,
    )
    return JsonResponse(body, status=status)


OVERSIZE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def oversize_message(exc: Exception | None = None) -> str:
    """What a client sent too much of, for a 413: Django's three upload limits."""
    if isinstance(exc, TooManyFieldsSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields."
    if isinstance(exc, TooManyFilesSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files."
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out.extend(_flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix)))
        return out
    if isinstance(detail, list):
        return [line for item in detail for line in _flatten(item, prefix)]
    text = str(detail)
    return [f"{prefix}: {text}" if prefix else text]


def _field_details(detail: Any) -> dict[str, Any] | None:
    """Per-field messages, so a form can show each error beside its field."""
    if not isinstance(detail, dict):
        return None
    return {key: _flatten(value) for key, value in detail.items()}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every error becomes its family's envelope, never a traceback."""
    request = context.get("request")
    path = request.path if request is not None else ""
    headers: dict[str, str] = {}
    details = None

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, OVERSIZE):
        # Django's upload limits, met while the body is read or parsed: the client sent too much.
        exc = ApiError(status=413, message=oversize_message(exc))
    elif isinstance(exc, UnreadablePostError):
        # The client went away mid-body (an OSError): its fault, and nobody is left to answer.
        exc = exceptions.ParseError("The request body could not be read.")
    elif (outage := outage_error(exc, path=path)) is not None:
        exc = outage

    if isinstance(exc, exceptions.APIException):
        status = exc.status_code
        code = getattr(exc, "error_code", None) or default_code(status)
        if isinstance(exc, exceptions.ValidationError):
            message = "; ".join(_flatten(exc.detail)) or "Invalid input."
            details = _field_details(exc.detail)
        else:
            message = " ".join(_flatten(exc.detail))
            details = getattr(exc, "details", None)
        headers.update(getattr(exc, "headers", {}) or {})
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
            message = "Too many requests. Try again later."
    else:
        logger.exception("Unhandled error on %s", path)
        status, code, message = 500, default_code(500), "Internal server error."

    # Imported here: rest_framework.views loads DRF's settings, which import this module's users.
    from rest_framework.views import set_rollback

    set_rollback()
    body = error_body(family_for_path(path) or Family.DESK, status=status, code=code, message=message, details=details)
    response = Response(body, status=status, headers=headers)
    if isinstance(exc, OutageError):
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response
