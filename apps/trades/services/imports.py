"""Placeholder: filled in by its owner."""

from __future__ import annotations

from uuid import UUID


def import_new_account_history(account_id: UUID) -> None:
    """Start a history import for a newly added exchange account."""
