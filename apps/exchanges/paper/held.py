"""What a transaction locked and read for a paper account's orders, kept for its next batch."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from uuid import UUID

    from apps.exchanges.paper.book import Book


class Held:
    """The prices and books a transaction locked and read for one account's batch, kept for its
    next batch of that account (a trade's entry, then its stop and targets): the row locks stand
    until the transaction ends, and every write to them since went through the engine, which
    keeps the books as the rows are. Kept only inside an enclosing transaction, and valid while
    the commit hook it leaves is pending: the hook goes once that transaction commits or rolls
    back, or a savepoint around it rolls back, and with it the reason to trust what was read.
    The engine's `set_price` and `cancel_order` write without the books and drop them."""

    _local = threading.local()

    def __init__(self, account_id: UUID, prices: dict[str, Decimal], books: dict[str, Book]) -> None:
        self.account_id, self.prices, self.books = account_id, prices, books
        self.hook = lambda: None

    @classmethod
    def keep(cls, account_id: UUID, prices: dict[str, Decimal], books: dict[str, Book]) -> Held:
        held = cls(account_id, prices, books)
        if len(transaction.get_connection().atomic_blocks) > 1:  # not the batch's own transaction
            transaction.on_commit(held.hook)
            cls._local.held = held
        return held

    @classmethod
    def of(cls, account_id: UUID, symbols: list[str], quotes: list[str]) -> Held | None:
        """The kept locks of `account_id`, if still valid and covering every symbol and quote (a
        batch needing more locks takes them all again, in the usual order)."""
        held = getattr(cls._local, "held", None)
        if held is None or held.account_id != account_id:
            return None
        pending = transaction.get_connection().run_on_commit
        if not any(hook is held.hook for _, hook, _ in pending):
            cls._local.held = None
            return None
        return held if set(symbols) <= held.prices.keys() and set(quotes) <= held.books.keys() else None

    @classmethod
    def drop(cls) -> None:
        cls._local.held = None
