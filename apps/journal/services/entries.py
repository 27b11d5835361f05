"""Free-form journal entries, in Markdown: stored as written, rendered sanitised by pages."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.db import transaction

from apps.journal.models import JournalEntry
from apps.journal.selectors import journal_entry

if TYPE_CHECKING:
    from apps.accounts.models import User


@transaction.atomic
def create_entry(*, user: User, title: str, content: str) -> JournalEntry:
    entry = JournalEntry(user=user, title=title, content=content)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def update_entry(*, user: User, entry_id: UUID | str, title: str, content: str) -> JournalEntry:
    entry = journal_entry(user=user, entry_id=entry_id, lock=True)
    entry.title, entry.content = title, content
    entry.full_clean()
    entry.save(update_fields=["title", "content", "updated_at"])
    return entry


@transaction.atomic
def delete_entry(*, user: User, entry_id: UUID | str) -> None:
    journal_entry(user=user, entry_id=entry_id, lock=True).delete()
