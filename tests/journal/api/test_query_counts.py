"""The journal's reads run a fixed number of queries, however many trades and tags there are.
Counted after a first request has put the session in the auth cache (what every later read of
a session costs)."""

from __future__ import annotations

import pytest

from apps.journal.models import JournalTradeTag
from tests.journal.factories import JournalEntryFactory, JournalImageFactory, JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db

# the count, the page, the page's tags
LIST_QUERIES = 3
# the trade with its notes, its tags, its images (a third query: folding the images into the
# tags' query would need a JSON aggregate that PostgreSQL and SQLite spell differently)
DETAIL_QUERIES = 3
# the tags with their trade counts
TAGS_QUERIES = 1
# the count, the page
ENTRIES_QUERIES = 2


@pytest.fixture
def busy(user):
    tags = [JournalTagFactory(user=user) for _ in range(3)]
    trades = [JournalTradeFactory(user=user) for _ in range(25)]
    for trade in trades:
        for tag in tags:
            JournalTradeTag.objects.create(trade=trade, tag=tag)
    for _ in range(25):
        JournalEntryFactory(user=user)
    return trades


def test_the_trade_list_does_not_grow_with_its_trades_or_their_tags(api, auth, busy, django_assert_num_queries):
    api.get("/api/v1/auth/me", **auth)
    tag = busy[0].tags.first()
    with django_assert_num_queries(LIST_QUERIES):
        response = api.get(f"/api/v1/journal/trades?limit=25&side=buy&tag={tag.id}", **auth)
    assert [len(t["tags"]) for t in response.json()["data"]] == [3] * 25


@pytest.mark.parametrize(
    ("url", "queries", "rows"),
    [("/api/v1/journal/tags", TAGS_QUERIES, 3), ("/api/v1/journal/entries?limit=25", ENTRIES_QUERIES, 25)],
)
def test_the_tag_and_entry_lists_do_not_grow_with_their_rows(
    api, auth, busy, django_assert_num_queries, url, queries, rows
):
    api.get("/api/v1/auth/me", **auth)
    with django_assert_num_queries(queries):
        response = api.get(url, **auth)
    assert len(response.json()["data"]) == rows


def test_the_trade_detail_does_not_grow_with_its_tags_or_images(api, user, auth, busy, django_assert_num_queries):
    for _ in range(3):
        JournalImageFactory(user=user, trade=busy[0])
    api.get("/api/v1/auth/me", **auth)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = api.get(f"/api/v1/journal/trades/{busy[0].id}", **auth)
    assert (len(response.json()["tags"]), len(response.json()["images"])) == (3, 3)


def test_the_export_reads_its_trades_and_their_tags_a_chunk_at_a_time(
    api, auth, busy, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("apps.journal.selectors.EXPORT_CHUNK", 10)
    api.get("/api/v1/auth/me", **auth)
    # the trades (one cursor), then the tags of each of the three chunks
    with django_assert_num_queries(1 + 3):
        response = api.get("/api/v1/journal/trades/export", **auth)
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 25
