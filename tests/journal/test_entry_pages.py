"""Journal entries on pages: written, edited and deleted through the services, their Markdown
rendered with raw HTML and script links left out; each only its author's."""

from __future__ import annotations

import pytest

from apps.journal.models import JournalEntry
from tests.accounts.test_pages import signed_in_client
from tests.journal.factories import JournalEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(user):
    return signed_in_client(user)[0]


def test_it_invites_the_first_entry(page):
    response = page.get("/journal/entries")
    assert response.status_code == 200
    assert "No entries yet." in response.text


def test_it_writes_edits_and_deletes_an_entry(page, user):
    written = page.post("/journal/entries/new", {"title": "Week 12", "content": "**Sized down**"}, follow=True)
    entry = JournalEntry.objects.get(user=user)
    assert written.redirect_chain[-1][0] == f"/journal/entries/{entry.id}"
    assert "<strong>Sized down</strong>" in written.text

    edited = page.post(
        f"/journal/entries/{entry.id}/edit", {"title": "Week 12 review", "content": "- one"}, follow=True
    )
    assert "Week 12 review" in edited.text and "<li>one</li>" in edited.text

    page.post(f"/journal/entries/{entry.id}/delete")
    assert not JournalEntry.objects.filter(id=entry.id).exists()


def test_it_keeps_the_form_when_the_title_is_missing(page, user):
    response = page.post("/journal/entries/new", {"title": "", "content": "draft"})
    assert response.status_code == 400
    assert "draft" in response.text
    assert not JournalEntry.objects.filter(user=user).exists()


def test_it_renders_markdown_without_running_what_was_written(page, user):
    entry = JournalEntryFactory(
        user=user,
        content='<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3))',
    )
    body = page.get(f"/journal/entries/{entry.id}").text.split('<div class="markdown">')[1].split("</div>")[0]
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "<img" not in body
    assert 'href="javascript:' not in body


def test_it_answers_404_for_another_traders_entry(page):
    theirs = JournalEntryFactory()
    assert page.get(f"/journal/entries/{theirs.id}").status_code == 404
    assert page.get(f"/journal/entries/{theirs.id}/edit").status_code == 404
    assert page.post(f"/journal/entries/{theirs.id}/edit", {"title": "mine"}).status_code == 404
    assert page.post(f"/journal/entries/{theirs.id}/delete").status_code == 404
    assert JournalEntry.objects.filter(id=theirs.id, title=theirs.title).exists()
