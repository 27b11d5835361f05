"""Trade-history import: page through every symbol an account traded into `Fill`, resumably.

How a run stays correct when workers die or overlap:
- Progress (`cursor[symbol]`, `symbols_done`, counters) is saved in the same transaction as the
  page's fills, so a run that dies resumes at the first page it had not committed: no page is
  fetched twice and, thanks to `fill_unique_venue_trade`, no trade is stored twice either.
- One worker at a time per import: a Redis lock (`history-import:<id>`) with an expiry of
  `STALE_AFTER`, renewed after every page. A worker that died loses the lock when it expires,
  which is also when `resume_stalled_imports` (beat) re-enqueues the import; a worker that was
  only slow and lost its lock finds out when it renews it and stops before committing.
  A Redis lock rather than `select_for_update` on the row because a run spans many
  transactions and many network calls, and no transaction should stay open across them.
- Errors: 429 and 5xx answers (and unexpected failures) are retryable: the run records the
  error, stops with the import still RUNNING and re-enqueues itself with a backoff; after
  `MAX_ATTEMPTS` retryable errors in total the import is FAILED. A refused key (auth) fails the
  import at once. Any other venue error on one symbol (unknown symbol, ...) is recorded and that
  symbol is skipped, so one delisted market does not block the rest.
- A run works for at most `RUN_BUDGET` (below Celery's soft time limit) and then continues in a
  fresh task, so a long history never hits the task time limit mid-page.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import LockError
from redis.lock import Lock

from apps.core.tasks import enqueue_on_commit
from apps.exchanges.models import AccountStatus, ExchangeAccount
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import AuthenticationFailed, TradePage, Venue, VenueError, VenueTrade
from apps.trades.hooks import fills_recorded
from apps.trades.models import Fill, HistoryImport, ImportStatus, Order

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

PAGE_SIZE = 500
# No progress for this long means the worker died: the lock has expired and the beat resumes it.
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RUN_BUDGET = timedelta(minutes=4)
LIVE_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _enqueue(import_id: UUID, *, countdown: int | None = None) -> None:
    from apps.trades.tasks import import_history

    enqueue_on_commit(import_history, args=[str(import_id)], countdown=countdown, recovered_by="resume-history-imports")


@transaction.atomic
def start_history_import(*, user: User, account: ExchangeAccount) -> HistoryImport:
    """Queue an import of the account's trade history, or return the one already under way."""
    live = HistoryImport.objects.filter(exchange_account=account, status__in=LIVE_STATUSES).first()
    if live is not None:
        return live
    try:
        with transaction.atomic():
            row = HistoryImport.objects.create(user=user, exchange_account=account)
    except IntegrityError:
        # Another request created it between our read and our insert (the partial unique
        # constraint `history_import_one_live_per_account` let only one through).
        return HistoryImport.objects.get(exchange_account=account, status__in=LIVE_STATUSES)
    _enqueue(row.id)
    return row


def import_new_account_history(account_id: UUID) -> None:
    """The exchange-account-added hook: start a history import for the new account."""
    account = ExchangeAccount.objects.select_related("user").filter(id=account_id).first()
    if account is None or account.status != AccountStatus.ACTIVE:
        return
    start_history_import(user=account.user, account=account)


def resume_stalled_imports() -> int:
    """Re-enqueue live imports with no progress for `STALE_AFTER` (their worker died).

    `updated_at` is touched when re-enqueuing, so an import is not queued again every minute
    while it waits for a worker. Returns how many were re-enqueued.
    """
    cutoff = timezone.now() - STALE_AFTER
    ids = list(
        HistoryImport.objects.filter(status__in=LIVE_STATUSES, updated_at__lt=cutoff).values_list("id", flat=True)
    )
    resumed = 0
    for import_id in ids:
        with transaction.atomic():
            touched = HistoryImport.objects.filter(
                id=import_id, status__in=LIVE_STATUSES, updated_at__lt=cutoff
            ).update(updated_at=timezone.now())
            if touched:
                _enqueue(import_id)
                resumed += 1
    return resumed


def _lock(import_id: UUID | str) -> Lock:
    client = cache._cache.get_client(write=True)
    return client.lock(
        cache.make_key(f"history-import:{import_id}"), timeout=STALE_AFTER.total_seconds(), blocking=False
    )


def run_history_import(*, import_id: UUID | str) -> None:
    """Run (or resume) one import until it completes, fails, or hands over to a fresh task."""
    lock = _lock(import_id)
    if not lock.acquire():
        logger.info("history import %s is being run by another worker", import_id)
        return
    retry_in: int | None = None
    try:
        retry_in = _run_locked(import_id=import_id, lock=lock)
    finally:
        # Expired, or already taken over: then there is nothing of ours to release.
        with contextlib.suppress(LockError):
            lock.release()
    if retry_in is not None:
        _enqueue(UUID(str(import_id)), countdown=retry_in)


def _run_locked(*, import_id: UUID | str, lock: Lock) -> int | None:
    """The run itself; returns a countdown in seconds when it should continue in a new task."""
    row = HistoryImport.objects.select_related("exchange_account", "user").filter(id=import_id).first()
    if row is None or row.status not in LIVE_STATUSES:
        return None
    if row.status == ImportStatus.QUEUED:
        row.status = ImportStatus.RUNNING
        row.started_at = timezone.now()
        row.save(update_fields=["status", "started_at", "updated_at"])

    account = row.exchange_account
    if account.status != AccountStatus.ACTIVE:
        _record_error(row, symbol=None, message="The exchange account was removed.", final=True)
        return None
    deadline = time.monotonic() + RUN_BUDGET.total_seconds()
    try:
        venue = venue_for(account)
        if not row.symbols:
            _save_symbols(row, venue)
        for symbol in row.symbols:
            if symbol in row.symbols_done:
                continue
            try:
                while True:
                    if time.monotonic() > deadline:
                        return 0
                    page = venue.fetch_my_trades(symbol=symbol, cursor=row.cursor.get(symbol), limit=PAGE_SIZE)
                    if not _save_page(row, symbol=symbol, page=page, lock=lock):
                        return None  # our lock was taken over: the other worker carries on
                    if page.next_cursor is None:
                        break
            except VenueError as exc:
                if isinstance(exc, AuthenticationFailed) or _retryable(exc):
                    raise
                _skip_symbol(row, symbol=symbol, message=str(exc.detail))
    except AuthenticationFailed as exc:
        _record_error(row, symbol=_current(row), message=str(exc.detail), final=True)
        return None
    except VenueError as exc:
        return _retry_later(row, message=str(exc.detail))
    except SoftTimeLimitExceeded:
        return 0
    except Exception:
        logger.exception("history import %s failed unexpectedly", row.id)
        return _retry_later(row, message="Internal error while importing; will retry.")

    with transaction.atomic():
        HistoryImport.objects.filter(id=row.id, status__in=LIVE_STATUSES).update(
            status=ImportStatus.COMPLETED, finished_at=timezone.now(), updated_at=timezone.now()
        )
    return None


def _retryable(exc: VenueError) -> bool:
    return exc.status_code == 429 or exc.status_code >= 500


def _current(row: HistoryImport) -> str | None:
    """The symbol the run was working on: the first one not done yet."""
    return next((s for s in row.symbols if s not in row.symbols_done), None)


def _save_symbols(row: HistoryImport, venue: Venue) -> None:
    traded = set(venue.traded_symbols())
    # The venue may not list markets it no longer trades; the platform's own orders on this
    # account name them too.
    traded.update(
        Order.objects.filter(user_id=row.user_id, exchange_account_id=row.exchange_account_id)
        .values_list("symbol", flat=True)
        .distinct()
    )
    row.symbols = sorted(traded)
    row.save(update_fields=["symbols", "updated_at"])


def _fill(row: HistoryImport, trade: VenueTrade, order_ids: dict[str, UUID]) -> Fill:
    return Fill(
        user_id=row.user_id,
        exchange_account_id=row.exchange_account_id,
        venue=row.exchange_account.exchange_name,
        venue_trade_id=str(trade.trade_id),
        venue_order_id=str(trade.order_id or ""),
        order_id=order_ids.get(str(trade.order_id)) if trade.order_id else None,
        symbol=trade.symbol,
        side=trade.side,
        price=trade.price,
        quantity=trade.quantity,
        fee=trade.fee,
        fee_asset=trade.fee_asset or "",
        realized_pnl=trade.realized_pnl,
        executed_at=trade.executed_at,
    )


def _save_page(row: HistoryImport, *, symbol: str, page: TradePage, lock: Lock) -> bool:
    """Store one page's new fills and the progress past it, all or nothing. False: lock lost."""
    venue_name = row.exchange_account.exchange_name
    trades = list({str(t.trade_id): t for t in page.trades}.values())
    with transaction.atomic():
        try:
            lock.reacquire()  # still ours, and good for another STALE_AFTER
        except LockError:
            logger.warning("history import %s lost its lock; another worker continues it", row.id)
            return False
        fresh = HistoryImport.objects.select_for_update().get(id=row.id)
        if fresh.status not in LIVE_STATUSES or symbol in fresh.symbols_done:
            return False
        new = 0
        if trades:
            ids = [str(t.trade_id) for t in trades]
            existing = Fill.objects.filter(user_id=row.user_id, venue=venue_name, symbol=symbol, venue_trade_id__in=ids)
            known = set(existing.values_list("venue_trade_id", flat=True))
            venue_order_ids = {str(t.order_id) for t in trades if t.order_id}
            order_ids = dict(
                Order.objects.filter(
                    exchange_account_id=row.exchange_account_id, venue_order_id__in=venue_order_ids
                ).values_list("venue_order_id", "id")
            )
            Fill.objects.bulk_create(
                [_fill(row, t, order_ids) for t in trades if str(t.trade_id) not in known], ignore_conflicts=True
            )
            # Counted, not assumed: another writer (the order sync) may have stored some meanwhile.
            new = max(0, existing.count() - len(known))
            if new:
                fills_recorded(user_id=row.user_id, exchange_account_id=row.exchange_account_id, symbols=[symbol])
        if page.next_cursor is not None:
            fresh.cursor = {**fresh.cursor, symbol: page.next_cursor}
        else:
            fresh.symbols_done = [*fresh.symbols_done, symbol]
        fresh.pages_done += 1
        fresh.trades_imported += new
        fresh.save(update_fields=["cursor", "symbols_done", "pages_done", "trades_imported", "updated_at"])
    row.cursor, row.symbols_done = fresh.cursor, fresh.symbols_done
    row.pages_done, row.trades_imported = fresh.pages_done, fresh.trades_imported
    return True


def _error(symbol: str | None, message: str, *, retryable: bool) -> dict:
    return {"symbol": symbol, "message": message[:500], "at": timezone.now().isoformat(), "retryable": retryable}


@transaction.atomic
def _record_error(
    row: HistoryImport, *, symbol: str | None, message: str, final: bool, retryable: bool = False
) -> None:
    fresh = HistoryImport.objects.select_for_update().get(id=row.id)
    fresh.errors = [*fresh.errors, _error(symbol, message, retryable=retryable)]
    fields = ["errors", "updated_at"]
    if final:
        fresh.status = ImportStatus.FAILED
        fresh.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    fresh.save(update_fields=fields)
    row.errors, row.status = fresh.errors, fresh.status


@transaction.atomic
def _skip_symbol(row: HistoryImport, *, symbol: str | None, message: str) -> None:
    _record_error(row, symbol=symbol, message=message, final=False)
    if symbol is not None:
        fresh = HistoryImport.objects.select_for_update().get(id=row.id)
        fresh.symbols_done = [*fresh.symbols_done, symbol]
        fresh.save(update_fields=["symbols_done", "updated_at"])
        row.symbols_done = fresh.symbols_done


def _retry_later(row: HistoryImport, *, message: str) -> int | None:
    """Record a retryable error; the countdown before the next attempt, or None once FAILED."""
    attempts = 1 + sum(1 for e in row.errors if e.get("retryable"))
    final = attempts >= MAX_ATTEMPTS
    _record_error(row, symbol=_current(row), message=message, final=final, retryable=True)
    return None if final else min(30 * 2 ** (attempts - 1), 600)
