"""A trades CSV into the journal (the layout: apps/journal/csv_trades.py), as fills.

Each row becomes an opening and a closing fill of venue `csv` with no exchange account, and the
journal matches them as it matches a venue's fills: the trade it shows, its analytics and a
`rebuild_journal` all come from the one matcher, and an imported trade is no different from
any other afterwards. The fills' unique constraint (user, venue, symbol, trade id) is what makes
a second upload add nothing: a fill's trade id comes from its row's natural key alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from apps.core.errors import ApiError
from apps.journal.csv_trades import CsvRowsError, ImportedTrade, parse_trades_csv
from apps.journal.matching import split_symbol
from apps.journal.services.curve import lock_journal
from apps.journal.services.updates import update_journal_series
from apps.trades.models import Fill

if TYPE_CHECKING:
    from django.core.files import File

    from apps.accounts.models import User

CSV_VENUE = "csv"
OPPOSITE = {"buy": "sell", "sell": "buy"}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int  # rows new to the journal
    already_imported: int  # rows an earlier upload brought


def _trade_id(trade: ImportedTrade, leg: str) -> str:
    """The fill's trade id: an order class, the hash of the row's key, the leg (1 opens, 2 closes).

    The matcher orders fills of one instant by their trade ids (length, then text), and exports
    often give times to the minute, so a trade closed at 10:05 and the next opened at 10:05
    must meet in that order or the two become one position. Every id has the same length and
    starts with its class: closes of trades that lasted (0), then trades opened and closed in
    that instant, each one's open before its close (1), then opens of trades that last (2)."""
    instant = trade.opened_at == trade.closed_at
    order = "1" if instant else ("2" if leg == "1" else "0")
    return f"{order}{hashlib.sha256(trade.key.encode()).hexdigest()[:40]}{leg}"


def _fills(user: User, trade: ImportedTrade) -> list[Fill]:
    quote = split_symbol(trade.symbol)[1]
    common = {"user": user, "exchange_account": None, "venue": CSV_VENUE, "symbol": trade.symbol}
    return [
        Fill(
            **common,
            venue_trade_id=_trade_id(trade, "1"),
            side=trade.side,
            price=trade.entry_price,
            quantity=trade.quantity,
            fee=0,
            fee_asset=quote,
            executed_at=trade.opened_at,
        ),
        Fill(
            **common,
            venue_trade_id=_trade_id(trade, "2"),
            side=OPPOSITE[trade.side],
            price=trade.exit_price,
            quantity=trade.quantity,
            fee=trade.fees,  # the round trip's fees, all on its close: the trade's sum is the same
            fee_asset=quote,
            executed_at=trade.closed_at,
        ),
    ]


def import_trades_csv(*, user: User, upload: File) -> ImportResult:
    """Import the trades of `upload` into the trader's journal, all or nothing.

    1. Past JOURNAL_IMPORT_MAX_BYTES: a 413 before a byte is parsed. Every row is checked
       before anything is written; bad rows are one 400 whose `details` name each by number.
    2. One transaction: the trader's journal settings row is locked, so two imports of one
       trader run one after the other (the second matches the series the first wrote); the
       fills are inserted with conflicts ignored (the unique constraint decides what is
       already there, not a lookup); each symbol's series is matched again, so the trades are
       in the journal when this returns.
    """
    limit = settings.JOURNAL_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ApiError(
            status=413, code="IMPORT_TOO_LARGE", message=f"The file is {upload.size} bytes; at most {limit} are taken."
        )
    try:
        trades = parse_trades_csv(upload.read(), max_rows=settings.JOURNAL_IMPORT_MAX_ROWS)
    except CsvRowsError as exc:
        rows = [key for key in exc.errors if key != "file"]
        message = f"Nothing was imported: rows {', '.join(rows)} cannot be read." if rows else exc.errors["file"][0]
        raise ApiError(status=400, code="INVALID_CSV", message=message, details=exc.errors) from None
    with transaction.atomic():
        lock_journal(user_id=user.pk)
        fills = [fill for trade in trades for fill in _fills(user, trade)]
        mine = Fill.objects.filter(user=user, venue=CSV_VENUE)
        before = mine.count()
        Fill.objects.bulk_create(fills, ignore_conflicts=True)
        imported = (mine.count() - before) // 2
        for symbol in sorted({trade.symbol for trade in trades}) if imported else ():
            update_journal_series(user_id=user.pk, exchange_account_id=None, symbol=symbol)
    return ImportResult(rows=len(trades), imported=imported, already_imported=len(trades) - imported)
