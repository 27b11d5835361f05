"""MAE and MFE of journal trades, from the market's candles over each trade's life.

MAE (maximum adverse excursion) is how far the price went against the position at worst, MFE
(maximum favourable excursion) how far it went for it at best, both in the quote asset per
unit of the base (a price distance, never negative): for a long from 100 whose candles reach a
low of 97 and a high of 104, MAE is 3 and MFE 4; times the trade's quantity they are quote
amounts. Entry and exit prices count as prices the market traded at, so a losing trade's MAE is
at least its loss per unit even where candles are missing.

The candles are those whose period overlaps [opened_at, closed_at]: a period the trade opened or
closed inside counts whole, so on coarse candles an excursion can include a move just before
the entry or after the exit (it is never smaller than the true one). Paper accounts read the
paper exchange's minutes (apps.exchanges.models.PaperCandle, kept for two days); other venues
are asked through the account's venue `candles()`, in the finest timeframe whose last MAX_CANDLES
periods reach back to the trade's opening. A trade with no candles (an import, a venue that is
down or keeps none, a trade older than the history) keeps null: it is not measured, not zero.

Measured in a Celery task enqueued when the journal writes a trade (updates.py), never in the
matcher or the fill's request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import Max, Min
from django.utils import timezone

from apps.core.tasks import enqueue_on_commit
from apps.exchanges.crypto import InvalidToken
from apps.exchanges.models import ExchangeAccount, PaperCandle
from apps.exchanges.venues import PAPER, venue_for
from apps.exchanges.venues.base import (
    MAX_CANDLES,
    TIMEFRAMES,
    Venue,
    VenueError,
    VenueUnavailable,
    finest_timeframe_reaching,
    period_start,
)
from apps.journal.models import JournalTrade

logger = logging.getLogger(__name__)


def excursions(
    *, side: str, entry: Decimal, exit_price: Decimal, low: Decimal, high: Decimal
) -> tuple[Decimal, Decimal]:
    """(MAE, MFE) per unit of a trade opened on `side` at `entry`, over prices from `low` to `high`."""
    low, high = min(low, entry, exit_price), max(high, entry, exit_price)
    if side == "buy":
        return entry - low, high - entry
    return high - entry, entry - low


def enqueue_excursions(trade_ids: Iterable[UUID]) -> None:
    """Measure these trades in a worker once the transaction that wrote them commits. A broker
    that is down leaves them null (what an unmeasured trade is) for the backfill command."""
    ids = [str(trade_id) for trade_id in trade_ids]
    if ids:
        from apps.journal.tasks import measure_excursions as task

        enqueue_on_commit(task, args=[ids], recovered_by="manage.py measure_journal_excursions")


def _paper_range(symbol: str, start: datetime, end: datetime) -> tuple[Decimal | None, Decimal | None]:
    found = PaperCandle.objects.filter(symbol=symbol, opened_at__gte=period_start(start), opened_at__lte=end).aggregate(
        low=Min("low"), high=Max("high")
    )
    return found["low"], found["high"]


def _venue_range(venue: Venue, symbol: str, start: datetime, end: datetime) -> tuple[Decimal | None, Decimal | None]:
    timeframe = finest_timeframe_reaching(start, timezone.now())
    if timeframe is None:
        return None, None
    period = timedelta(seconds=TIMEFRAMES[timeframe])
    candles = [
        c
        for c in venue.candles(symbol=symbol, timeframe=timeframe, limit=MAX_CANDLES)
        if start - period < c.opened_at <= end
    ]
    if not candles:
        return None, None
    return min(c.low for c in candles), max(c.high for c in candles)


def _venue(account_id: UUID) -> Venue | None:
    """The account's venue (its credentials decrypted for this run only), or None when it can
    no longer be built: an account removed since (its credentials are gone), an exchange no
    longer offered."""
    account = ExchangeAccount.objects.get(id=account_id)
    try:
        return venue_for(account)
    except (VenueError, InvalidToken, ValueError) as exc:
        logger.warning("MAE/MFE: no venue for account %s (%s); its trades are skipped", account_id, exc)
        return None


def measure_excursions(*, trade_ids: Iterable[UUID | str]) -> int:
    """Set MAE and MFE of these trades from their candles (see the module docstring); returns
    how many were measured. A venue that cannot be reached is skipped for this run, with one
    warning line per venue, and its trades keep what they had."""
    trades = JournalTrade.objects.filter(id__in=list(trade_ids), exchange_account__isnull=False).values(
        "id",
        "exchange_account_id",
        "exchange_account__exchange_name",
        "symbol",
        "side",
        "entry_price",
        "exit_price",
        "opened_at",
        "closed_at",
    )
    venues: dict[UUID, Venue | None] = {}
    measured = 0
    for trade in trades:
        name, symbol = trade["exchange_account__exchange_name"], trade["symbol"]
        span = (symbol, trade["opened_at"], trade["closed_at"])
        if name == PAPER:
            low, high = _paper_range(*span)
        else:
            account_id = trade["exchange_account_id"]
            venue = venues[account_id] if account_id in venues else venues.setdefault(account_id, _venue(account_id))
            if venue is None:
                continue
            try:
                low, high = _venue_range(venue, *span)
            except VenueUnavailable as exc:
                logger.warning("MAE/MFE: %s unreachable (%s); its trades are skipped this run", name, exc.detail)
                venues[trade["exchange_account_id"]] = None
                continue
            except VenueError as exc:  # a market the venue no longer lists, a timeframe it lacks
                logger.info("MAE/MFE: no %s candles of %s (%s)", name, symbol, exc.detail)
                continue
        if low is None or high is None:
            continue
        mae, mfe = excursions(
            side=trade["side"], entry=trade["entry_price"], exit_price=trade["exit_price"], low=low, high=high
        )
        JournalTrade.objects.filter(id=trade["id"]).update(mae=mae, mfe=mfe)
        measured += 1
    return measured
