"""Prepare the bench database; print one JSON line with the token and the expected body.

Run by the runner in a subprocess with the server's environment (same SECRET_KEY, same
DATABASE_URL), so the token it issues is one the server accepts.
"""

from __future__ import annotations

import json
import os
import secrets
import sys

import django

BENCH_EMAIL = "bench-me@bench.invalid"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from apps.accounts.models import User
    from apps.accounts.serializers import DeskUserSerializer
    from apps.accounts.services import ClientInfo, start_session
    from apps.accounts.services.demo import ensure_demo_user

    call_command("migrate", verbosity=0, interactive=False)
    user = ensure_demo_user(email=BENCH_EMAIL, password=secrets.token_urlsafe(24), role="OPERATOR")
    tokens = start_session(user=user, kind="WEB", method="password", client=ClientInfo(user_agent="tests.bench"))
    me = dict(DeskUserSerializer(User.objects.get(pk=user.pk)).data)
    os.environ["BENCH_ME_JSON"] = json.dumps(me)

    # One in-process request per target: a pre-flight check, and the queries each one runs.
    client = Client(HTTP_HOST="127.0.0.1")
    queries = {}
    for name, url, urlconf, headers in (
        ("auth_me", "/api/v1/auth/me", "config.urls", {"Authorization": f"Bearer {tokens.access_token}"}),
        ("bare_me", "/bench/bare-me", "tests.bench.urls", {}),
    ):
        with override_settings(ROOT_URLCONF=urlconf), CaptureQueriesContext(connection) as captured:
            response = client.get(url, headers=headers)
        if response.status_code != 200 or response.json() != me:
            print(f"{url} answered {response.status_code}: {response.content[:500]!r}", file=sys.stderr)
            return 1
        queries[name] = len(captured)
    # From a session's second request on, the auth cache answers (apps/accounts/auth_cache.py).
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.access_token}"})
    if response.status_code != 200:
        print(f"/api/v1/auth/me answered {response.status_code} the second time", file=sys.stderr)
        return 1
    queries["auth_me_cached"] = len(captured)

    print(
        json.dumps(
            {"token": tokens.access_token, "me": me, "queries": queries, "vendor": connection.vendor},
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
