"""The equity curve kept on the trades themselves, so the unfiltered overview and equity curve
read it instead of running it.

Each trade of a user carries, in close order (closed_at, then id): `curve_seq`, its position
1..N; `curve_equity`, the cumulative net P&L up to and including it; `curve_peak`, the running
peak of that equity, counting the 0 the curve starts from. A running sum and a running max over
a trader's whole history are the two window passes that kept `overview` and `equity-curve` over
a second at a million trades; stored, the drawdown is one more aggregate in the overview's
single scan, and the curve's thinning an index-only pass (analytics.py).

Invariant: after every transaction that writes a user's trades, these columns are what a run
over all of them would give. `update_journal_series` is the only writer of trades' P&L and close
times; it takes `lock_journal` first and calls `refresh_equity_curve` with the earliest close
time it touched, which recomputes from there on (one row when a trade is appended, the history
after it when an import delivers an older one), writing only rows whose values change.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection

from apps.core.rows import fetch_rows, uuid_param
from apps.journal.models import JournalSettings
from apps.journal.services.rollups import refresh_rollups


def lock_journal(*, user_id: UUID) -> None:
    """Serialise the writers of one user's journal (series updates, imports, a change of default
    stop) on the user's settings row, created if missing: the curve spans all their series.
    Taken first, before any account or series lock, by every writer, so no two wait on each other."""
    JournalSettings.objects.bulk_create([JournalSettings(user_id=user_id)], ignore_conflicts=True)
    JournalSettings.objects.select_for_update().filter(user_id=user_id).first()


def _base(user_id: UUID, since: datetime | None) -> tuple[int, Any, Any]:
    """The curve's position, equity and peak just before `since` (the start: 0, 0, 0)."""
    if since is None:
        return 0, Decimal(0), Decimal(0)
    rows = fetch_rows(
        """SELECT t.curve_seq, t.curve_equity, t.curve_peak FROM journal_journaltrade t
        WHERE t.user_id = %s AND t.closed_at < %s ORDER BY t.closed_at DESC, t.id DESC LIMIT 1""",
        [uuid_param(user_id), connection.ops.adapt_datetimefield_value(since)],
    )
    if not rows:
        return 0, Decimal(0), Decimal(0)
    return rows[0]["curve_seq"], rows[0]["curve_equity"], rows[0]["curve_peak"]


def refresh_equity_curve(*, user_id: UUID, since: datetime | None = None) -> int:
    """Recompute the curve columns of `user_id`'s trades closed at `since` or later (all of them
    when None), and the rollups summed from them (services/rollups.py), and return how many
    trades changed. Call it inside the writer's transaction, under `lock_journal`."""
    changed = refresh_curve_columns(user_id=user_id, since=since)
    refresh_rollups(user_id=user_id, since=since)
    return changed


def refresh_curve_columns(*, user_id: UUID, since: datetime | None = None) -> int:
    """The curve columns alone (what migration 0006 filled in, before the rollups existed)."""
    seq, equity, peak = _base(user_id, since)
    postgres = connection.vendor == "postgresql"
    greatest = "GREATEST" if postgres else "MAX"
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    since_sql, since_params = ("", [])
    if since is not None:
        since_sql, since_params = "AND c.closed_at >= %s", [connection.ops.adapt_datetimefield_value(since)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE journal_journaltrade SET curve_seq = s.seq, curve_equity = s.equity, curve_peak = s.peak
            FROM (
                SELECT e.id, e.seq, e.equity,
                    {greatest}(CAST(%s AS NUMERIC), MAX(e.equity) OVER (ORDER BY e.seq ROWS UNBOUNDED PRECEDING))
                        AS peak
                FROM (
                    SELECT c.id, %s + ROW_NUMBER() OVER w AS seq, CAST(%s AS NUMERIC) + SUM(c.net_pnl) OVER w AS equity
                    FROM journal_journaltrade c WHERE c.user_id = %s {since_sql}
                    WINDOW w AS (ORDER BY c.closed_at, c.id ROWS UNBOUNDED PRECEDING)
                ) e
            ) s
            WHERE journal_journaltrade.id = s.id AND (
                journal_journaltrade.curve_seq {differs} s.seq
                OR journal_journaltrade.curve_equity {differs} s.equity
                OR journal_journaltrade.curve_peak {differs} s.peak
            )""",  # noqa: S608 - values are parameters
            # CAST: SQLite is handed Decimals as text, which compares above every number.
            [peak, seq, equity, uuid_param(user_id), *since_params],
        )
        return cursor.rowcount
