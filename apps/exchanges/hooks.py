"""What other apps do when an exchange account is added, without `exchanges` importing them.

`trades` registers the history import here (in its AppConfig.ready), so the layering stays
exchanges -> trades -> journal; hooks run once the account's transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.db import transaction

_account_added: list[Callable[[UUID], None]] = []


def on_account_added(hook: Callable[[UUID], None]) -> None:
    if hook not in _account_added:
        _account_added.append(hook)


def account_added(account_id: UUID) -> None:
    """Run every registered hook with the new account's id after the current transaction commits."""
    for hook in _account_added:
        transaction.on_commit(lambda hook=hook: hook(account_id), robust=True)
