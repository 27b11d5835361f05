"""What authenticating costs in queries, pinned at what `python -m tests.bench auth_me` reports:
an access token's first request reads its session and user in one query, every later one reads
them from the auth cache; a personal API token reads its row on every request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.services import create_api_token
from tests.accounts.factories import bearer, sign_in

pytestmark = pytest.mark.django_db

# The first request of a session: the session joined to its user (nothing else: no role table,
# no throttle, no last-seen write). Every request after it, until the entry's expiry: none.
ACCESS_TOKEN_QUERIES = [1, 0, 0]


@pytest.mark.parametrize("url", ["/api/v1/auth/me", "/api/auth/me"])
def test_an_access_token_costs_one_query_then_none(api, user, django_assert_num_queries, url):
    tokens = sign_in(user)
    for queries in ACCESS_TOKEN_QUERIES:
        with django_assert_num_queries(queries):
            assert api.get(url, **bearer(tokens)).status_code == 200


def test_a_personal_api_token_costs_one_query_and_a_write_every_five_minutes(api, user, django_assert_num_queries):
    token = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user)}"}
    with django_assert_num_queries(2):  # the token with its user, then its last use
        assert api.get("/api/v1/auth/me", **token).status_code == 200
    with django_assert_num_queries(1):
        assert api.get("/api/v1/auth/me", **token).status_code == 200


def test_a_write_reads_its_session_and_user_from_the_tables_every_time(api, user, django_assert_num_queries):
    # What changes state rests on the rows as they are: a write neither uses nor fills the cache.
    tokens = sign_in(user)
    assert api.get("/api/v1/auth/me", **bearer(tokens)).status_code == 200
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert api.post("/api/user/token", **bearer(tokens)).status_code == 201
        assert sum("accounts_authsession" in q["sql"] for q in captured) == 1
    with django_assert_num_queries(0):  # and leaves the reads' entry as it was
        assert api.get("/api/v1/auth/me", **bearer(tokens)).status_code == 200
