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


_removal_guards: list[Callable[[UUID], None]] = []


def on_account_removal(guard: Callable[[UUID], None]) -> None:
    """`guard(account_id)` raises an ApiError when the account must not be removed yet."""
    if guard not in _removal_guards:
        _removal_guards.append(guard)


def refuse_removal_if_in_use(account_id: UUID) -> None:
    """Run every removal guard; called with the account row locked, so nothing opens meanwhile."""
    for guard in _removal_guards:
        guard(account_id)
