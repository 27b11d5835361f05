"""What other apps do when a user becomes ACTIVE, without `accounts` importing them.

`accounts` sits below every app that needs a user, so an app that must act on approval (the
exchanges app opens a paper account) registers a callable here in its AppConfig.ready. The
hooks run once the approving transaction commits, with the user's id: an approval that rolls
back runs none, and a hook that fails is logged without undoing the approval.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.db import transaction

_user_activated: list[Callable[[UUID], None]] = []


def on_user_activated(hook: Callable[[UUID], None]) -> None:
    """Run `hook(user_id)` after every commit that makes a user ACTIVE: an approval, a
    reinstatement after suspension, and the first account (an ADMIN from the start).
    Hooks must be idempotent, since one user can become ACTIVE more than once."""
    if hook not in _user_activated:
        _user_activated.append(hook)


def user_activated(user_id: UUID) -> None:
    for hook in _user_activated:
        transaction.on_commit(lambda hook=hook: hook(user_id), robust=True)
