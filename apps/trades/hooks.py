"""What other apps do when fills are written, without `trades` importing them.

`journal` registers its update here (in its AppConfig.ready), so the layering stays
exchanges -> trades -> journal. Hooks run once the transaction that wrote the fills commits,
each on its own (`robust`): a hook that fails is logged and never undoes or fails the write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from uuid import UUID

from django.db import transaction

FillsHook = Callable[[UUID, UUID | None, list[str]], None]
_fills_recorded: list[FillsHook] = []


def on_fills_recorded(hook: FillsHook) -> None:
    """`hook(user_id, exchange_account_id, symbols)` after new fills of those symbols commit."""
    if hook not in _fills_recorded:
        _fills_recorded.append(hook)


def fills_recorded(*, user_id: UUID, exchange_account_id: UUID | None, symbols: Iterable[str]) -> None:
    names = sorted(set(symbols))
    for hook in _fills_recorded:
        transaction.on_commit(lambda hook=hook: hook(user_id, exchange_account_id, names), robust=True)
