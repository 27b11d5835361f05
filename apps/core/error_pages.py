"""The site's error pages, in its layout; API paths keep their family's JSON envelope.

403 and 404 need no view of their own: Django's defaults render templates/403.html and 404.html
with the request (so the navigation knows who is signed in). The 500 page and the CSRF
failure page are here because Django's versions either skip the layout's context or, for the
500, must not be allowed to fail themselves. For API paths, `ApiErrorEnvelopeMiddleware` turns
any of these pages into the envelope; the CSRF view answers in it directly, to say why.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from apps.core.errors import error_json_response, family_for_path

logger = logging.getLogger(__name__)

CSRF_MESSAGE = "The form's security token was missing or out of date, so nothing was changed."

# What a browser gets if even the 500 template cannot be rendered.
PLAIN_500 = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Server error · HavenCap</title></head>"
    "<body><h1>Something went wrong on our side</h1><p>The error has been logged. "
    '<a href="/">Back to HavenCap</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: templates/500.html rendered without the request, so no context processor
    (the session, the user, the database: any of them may be what failed) runs on the way."""
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        logger.exception("The 500 page could not be rendered")
        body = PLAIN_500
    return HttpResponseServerError(body)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a refused form post, explained in the layout with a way back."""
    if family_for_path(request.path_info) is not None:
        return error_json_response(request.path_info, status=403, code="CSRF_FAILED", message=CSRF_MESSAGE)
    return render(request, "csrf_failure.html", {"message": CSRF_MESSAGE}, status=403)
