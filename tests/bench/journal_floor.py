"""The hand-written floor of the journal's read endpoints: what any endpoint answering them for a
signed-in trader must do, and nothing the platform adds.

A plain Django view behind the same middleware (`/bench/journal-floor/<case>`): the same Bearer
token resolved the same way (the per-process auth cache, as every read), the trader an active
account, then the endpoint's own statements as it sent them (the bench captures them from one of
its calls and registers them here with `STATEMENTS`; the time zone's read included) on a raw
cursor, each row a plain dict, the lot encoded with orjson. No DRF, no filter parsing, no
presenting.

So `floor ÷ bare SQL` is the cost of serving the statements over HTTP at all, and
`endpoint ÷ floor` the cost of what the endpoint adds beyond that.
"""

from __future__ import annotations

import orjson
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET
from rest_framework.exceptions import AuthenticationFailed

import config.urls
from apps.accounts.authentication import TokenAuthentication
from apps.core.rows import as_dicts

FLOOR_PATH = "bench/journal-floor/<str:case>"
# The statements of each case, as its endpoint sent them: filled in by tests/bench/journal.py.
STATEMENTS: dict[str, list[str]] = {}


def _answer(status: int, body: object) -> HttpResponse:
    return HttpResponse(orjson.dumps(body, default=str), status=status, content_type="application/json")


@require_GET
def journal_floor(request: HttpRequest, case: str) -> HttpResponse:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    try:
        user, _principal = TokenAuthentication._resolve(raw.strip(), cached=True)
    except AuthenticationFailed:
        return _answer(401, {"error": "INVALID_TOKEN"})
    if scheme.lower() != "bearer" or not user.is_active:
        return _answer(403, {"error": "FORBIDDEN"})
    found = []
    with connection.cursor() as cursor:
        for sql in STATEMENTS[case]:
            cursor.execute(sql)
            found.append(as_dicts([column[0] for column in cursor.description], cursor.fetchall()))
    return _answer(200, {"data": found})


urlpatterns = [path(FLOOR_PATH, journal_floor), *config.urls.urlpatterns]
