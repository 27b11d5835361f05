"""The journal's pages read in a fixed number of queries, however many trades, tags and days the
trader has: the table pages in SQL and fetches a page's tags in one query, the analytics are
aggregates (apps/journal/analytics.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.journal.models import JournalTradeTag
from tests.accounts.test_pages import signed_in_client
from tests.journal.factories import JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db

# The session comes from the auth cache; then the filter form's options (5) and the page's own:
# the table's count, page and the page's tags; the analytics' eight aggregate statements (the
# time distribution is one GROUP BY) and the trader's time zone (read by the daily P&L and by
# the time distribution).
QUERIES = {"/journal": 8, "/journal/analytics": 15}


def trades(user, count: int) -> None:
    tag = JournalTagFactory(user=user)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        trade = JournalTradeFactory(user=user, closed_at=start + timedelta(days=n, hours=n % 7))
        JournalTradeTag.objects.create(trade=trade, tag=tag)


def counted(client, path: str) -> int:
    client.get(path)  # warms the auth cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", list(QUERIES))
def test_a_page_costs_the_same_queries_for_few_trades_and_many(user, path):
    client = signed_in_client(user)[0]
    trades(user, 3)
    few = counted(client, path)
    trades(user, 40)
    assert (few, counted(client, path)) == (QUERIES[path], QUERIES[path])
