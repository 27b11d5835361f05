"""The equity curve kept on the trades themselves, so the unfiltered overview and equity curve
read it instead of running it.

Each trade of a user carries, in close order (closed_at, then id): `curve_seq`, its position
1..N; `curve_equity`, the cumulative net P&L up to and including it; `curve_peak`, the running
peak of that equity, counting the 0 the curve starts from. A running sum and a running max over
a trader's whole history are the two window passes that kept `overview` and `equity-curve` over
a second at a million trades; stored, the drawdown is one more aggregate in the overview's
single scan. The lowest and highest point of each block of `CURVE_BLOCK` positions are kept too
(`JournalCurveBlock`), so thinning a long curve reads N / 64 blocks instead of N trades
(analytics.py).

Invariant: after every transaction that writes a user's trades, these columns are what a run
over all of them would give. `update_journal_series` is the only writer of trades' P&L and close
times; it takes `lock_journal` first and calls `refresh_equity_curve` with the earliest close
time it touched, which recomputes from there on (one row when a trade is appended, the history
after it when an import delivers an older one), writing only rows whose values change; and the
blocks from the one holding the first position recomputed (one block when a trade is appended).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection

from apps.core.rows import fetch_rows, uuid_param
from apps.journal.models import CURVE_BLOCK, JournalSettings
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
    when None), the curve blocks from there on, and the rollups summed from them
    (services/rollups.py); return how many trades changed. Call it inside the writer's
    transaction, under `lock_journal`."""
    changed, kept = _refresh_columns(user_id, since)
    # The blocks before the one holding position kept + 1 hold only positions the update kept.
    refresh_curve_blocks(user_id=user_id, from_block=kept // CURVE_BLOCK)
    refresh_rollups(user_id=user_id, since=since)
    return changed


def refresh_curve_columns(*, user_id: UUID, since: datetime | None = None) -> int:
    """The curve columns alone: what migration 0006 filled in, before the blocks and the
    rollups existed."""
    return _refresh_columns(user_id, since)[0]


def _refresh_columns(user_id: UUID, since: datetime | None) -> tuple[int, int]:
    """The rows changed, and the positions before `since`, which kept theirs."""
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
        return cursor.rowcount, seq


def refresh_curve_blocks(*, user_id: UUID, from_block: int = 0) -> None:
    """Recompute `user_id`'s curve blocks from `from_block` on out of the stored curve (the
    curve columns must be up to date), writing only the blocks whose extremes change, and drop
    the blocks past the last trade (re-matching can delete trades)."""
    user = uuid_param(user_id)
    # The earliest of equal points, as the thinning keeps them (analytics.py).
    block = f"(t.curve_seq - 1) / {CURVE_BLOCK}"
    ranked = f"""SELECT {block} AS block, t.curve_seq, t.curve_equity,
            ROW_NUMBER() OVER (PARTITION BY {block} ORDER BY t.curve_equity, t.curve_seq) AS low_rank,
            ROW_NUMBER() OVER (PARTITION BY {block} ORDER BY t.curve_equity DESC, t.curve_seq) AS high_rank
        FROM journal_journaltrade t WHERE t.user_id = %s AND t.curve_seq > %s"""  # noqa: S608 - parameters
    columns = ("low_seq", "low_equity", "high_seq", "high_equity")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""DELETE FROM journal_journalcurveblock WHERE user_id = %s AND block >= (
                SELECT COALESCE((MAX(t.curve_seq) + {CURVE_BLOCK - 1}) / {CURVE_BLOCK}, 0)
                FROM journal_journaltrade t WHERE t.user_id = %s
            )""",  # noqa: S608 - values are parameters
            [user, user],
        )
        # An upsert rather than a delete and insert: a full refresh of an unchanged curve writes nothing.
        cursor.execute(
            f"""INSERT INTO journal_journalcurveblock (user_id, block, {", ".join(columns)})
            SELECT %s, r.block,
                MIN(CASE WHEN r.low_rank = 1 THEN r.curve_seq END),
                MIN(CASE WHEN r.low_rank = 1 THEN r.curve_equity END),
                MIN(CASE WHEN r.high_rank = 1 THEN r.curve_seq END),
                MAX(CASE WHEN r.high_rank = 1 THEN r.curve_equity END)
            FROM ({ranked}) r WHERE r.low_rank = 1 OR r.high_rank = 1
            GROUP BY r.block
            ON CONFLICT (user_id, block) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in columns)}
            WHERE {" OR ".join(f"journal_journalcurveblock.{c} <> excluded.{c}" for c in columns)}""",  # noqa: S608
            [user, user, from_block * CURVE_BLOCK],
        )
