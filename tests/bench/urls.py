"""The project's URLs plus the baseline: a bare Django view answering /auth/me's JSON.

The runner passes the bench user's /auth/me body in BENCH_ME_JSON. The bare view does no
authentication and no database work; it serializes the same dict the same compact way DRF's
JSONRenderer does, so both targets send byte-identical bodies through the same middleware.
"""

from __future__ import annotations

import json
import os

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

import config.urls

_ME = json.loads(os.environ["BENCH_ME_JSON"])
_DUMPS = {"separators": (",", ":"), "ensure_ascii": False}


@require_GET
def bare_me(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_ME, json_dumps_params=_DUMPS)


urlpatterns = [path("bench/bare-me", bare_me), *config.urls.urlpatterns]
