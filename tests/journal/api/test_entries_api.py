"""/api/v1/journal/entries: Markdown entries, the trader's own."""

from __future__ import annotations

import pytest

from apps.journal.models import JournalEntry
from tests.journal.factories import JournalEntryFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/entries"
MARKDOWN = "# Monday\n\n<script>alert(1)</script> stays text: pages sanitise it."


def test_it_creates_and_reads_back_an_entry_as_written(api, user, auth):
    created = api.post(URL, {"title": "Monday", "content": MARKDOWN}, format="json", **auth)
    assert created.status_code == 201
    body = api.get(f"{URL}/{created.json()['id']}", **auth).json()
    assert (body["title"], body["content"]) == ("Monday", MARKDOWN)
    assert body["created_at"].endswith("Z")


def test_it_lists_the_traders_entries_newest_first_in_pages(api, user, auth, stranger):
    made = [JournalEntryFactory(user=user) for _ in range(3)]
    JournalEntryFactory(user=stranger)
    body = api.get(f"{URL}?limit=2", **auth).json()
    assert [e["id"] for e in body["data"]] == [str(made[2].id), str(made[1].id)]
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 3}


def test_put_replaces_title_and_content(api, user, auth):
    entry = JournalEntryFactory(user=user)
    response = api.put(f"{URL}/{entry.id}", {"title": "Tuesday", "content": ""}, format="json", **auth)
    assert response.status_code == 200
    entry.refresh_from_db()
    assert (entry.title, entry.content) == ("Tuesday", "")


@pytest.mark.parametrize(
    "body", [{}, {"title": ""}, {"title": "t"}, {"title": 1, "content": ""}, {"title": "t" * 201, "content": ""}]
)
def test_a_bad_entry_is_a_400_and_changes_nothing(api, user, auth, body):
    entry = JournalEntryFactory(user=user, title="kept")
    assert api.post(URL, body, format="json", **auth).status_code == 400
    assert api.put(f"{URL}/{entry.id}", body, format="json", **auth).status_code == 400
    assert list(JournalEntry.objects.values_list("title", flat=True)) == ["kept"]


def test_it_deletes_an_entry(api, user, auth):
    entry = JournalEntryFactory(user=user)
    assert api.delete(f"{URL}/{entry.id}", **auth).status_code == 204
    assert api.get(f"{URL}/{entry.id}", **auth).status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_another_traders_entry_is_a_404(api, auth, stranger, method):
    theirs = JournalEntryFactory(user=stranger, title="theirs")
    response = getattr(api, method)(f"{URL}/{theirs.id}", {"title": "mine", "content": ""}, format="json", **auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ENTRY_NOT_FOUND"
    theirs.refresh_from_db()
    assert theirs.title == "theirs"
