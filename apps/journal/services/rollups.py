"""The journal's rollups (`JournalRollup`): a user's trades summed per UTC day of closing and
per value of each analytics dimension, so that the unfiltered analytics (the journal's first
view, and the one a trader with a long history opens most) add up rows per day instead of
scanning every trade: at a million trades, every GROUP BY over the trades took over a second.

Invariant, as for the stored curve (services/curve.py, whose `refresh_equity_curve` calls this
after the curve columns): after every transaction that writes a user's trades, their rollups are
what summing all of the trades now gives, in their current time zone. A writer passes the
earliest close time it touched, and the UTC days from that one on are summed again: an appended
trade costs its day's trades, not the history, and a trade that moves, changes or disappears is
counted where it is now. A change of time zone moves the days and hours: all is summed again.

PostgreSQL only: there the one statement below sums every kind from a single read of the
trades. SQLite, the development database, answers from the trades (analytics.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from django.db import connection

from apps.core.rows import uuid_param
from apps.journal.analytics import DURATION_EDGES, R_EDGES, STORED_DRAWDOWN, TOTALS, bucket_case, time_zone_of

_DAY = "CAST(t.closed_at AT TIME ZONE 'UTC' AS DATE)"
_COLUMNS = (
    "user_id, closed_day, kind, key, trade_count, win_count, loss_count, gross_pnl, net_pnl, fees, won, lost, "
    "largest_win, largest_loss, r_total, r_count, max_drawdown, first_closed_at, last_closed_at"
)


def _keys(time_zone: str) -> list[tuple[str, str, list[str]]]:
    """Each kind, its key expression over the trades `t`, and the parameters that takes."""
    day, day_params = connection.ops.datetime_cast_date_sql("t.closed_at", (), time_zone)
    hour, hour_params = connection.ops.datetime_extract_sql("hour", "t.opened_at", (), time_zone)
    weekday, weekday_params = connection.ops.datetime_extract_sql("iso_week_day", "t.opened_at", (), time_zone)
    r_bucket = f"CASE WHEN t.r_multiple IS NULL THEN -1 ELSE {bucket_case('t.r_multiple', R_EDGES)} END"
    return [
        ("all", "''", []),
        ("day", f"CAST({day} AS TEXT)", [*day_params]),
        ("hour", f"CAST({hour} AS TEXT) || ':' || CAST({weekday} AS TEXT)", [*hour_params, *weekday_params]),
        ("symbol", "t.symbol", []),
        ("side", "t.side", []),
        ("duration", f"CAST({bucket_case('t.duration_seconds', DURATION_EDGES)} AS TEXT)", []),
        ("r", f"CAST({r_bucket} AS TEXT)", []),
    ]


def refresh_rollups(*, user_id: UUID, since: datetime | None = None) -> None:
    """Sum `user_id`'s trades again from the UTC day of `since` (all of them when None), in the
    writer's transaction, under `lock_journal`."""
    if connection.vendor != "postgresql":
        return
    user = uuid_param(user_id)
    start = None if since is None else since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    kinds = _keys(time_zone_of(user_id))
    # The parameters in the order their placeholders come: each kind's SELECT, then the source.
    selects, params = [], []
    for kind, key, key_params in kinds:
        drawdown = STORED_DRAWDOWN if kind == "all" else "NULL"
        selects.append(
            f"SELECT %s, {_DAY}, %s, {key}, {TOTALS}, {drawdown}, MIN(t.closed_at), MAX(t.closed_at) "  # noqa: S608 - constants; values are parameters
            "FROM source t GROUP BY 2, 4"
        )
        params += [user, kind, *key_params]
    since_sql = "" if start is None else "AND t.closed_at >= %s"
    since_params = [] if start is None else [start]
    days, days_params = ("", []) if start is None else (" AND closed_day >= %s", [start.date()])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM journal_journalrollup WHERE user_id = %s" + days, [user, *days_params])  # noqa: S608 - constants
        # One read of the trades for every kind: a CTE used more than once is computed once.
        cursor.execute(
            f"""WITH source AS (
                SELECT t.closed_at, t.opened_at, t.symbol, t.side, t.duration_seconds, t.r_multiple,
                    t.gross_pnl, t.net_pnl, t.fees, t.curve_peak, t.curve_equity
                FROM journal_journaltrade t WHERE t.user_id = %s {since_sql}
            )
            INSERT INTO journal_journalrollup ({_COLUMNS}) {" UNION ALL ".join(selects)}""",  # noqa: S608 - constants; values are parameters
            [user, *since_params, *params],
        )
