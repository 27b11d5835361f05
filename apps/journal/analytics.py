"""Journal analytics: each endpoint's numbers from one or two aggregate statements over the
trades `trade_filter_sql` selects, never a Python loop over trades. Plain SQL that PostgreSQL and
SQLite both run; days and hours in the trader's time zone through Django's own SQL for them.
Without filters, what the journal's writer keeps answers instead of a scan of every trade: the
curve stored on the trades (services/curve.py) and, on PostgreSQL, the per-day rollups
(services/rollups.py, read in rolled.py); tests check both give what the trades give.

Definitions (tests/journal/test_analytics_properties.py checks each against pandas):
- A win is a trade whose net P&L is above 0, a loss one below 0; a trade at 0 is neither.
- Sums of money are exact (NUMERIC); ratios and means are rounded half-even to 8 places.
- overview: trade, win and loss counts; win_rate = wins / trades; gross, net P&L and fees;
  largest_win = the highest net P&L of a win, largest_loss = the lowest of a loss (null without
  one); average_r = the mean R of the trades that have one; profit_factor = the wins' net P&L
  over the losses' (as a positive number; null without a loss); expectancy = net P&L / trades;
  max_drawdown = the largest fall of the equity curve below its running peak, the curve starting
  at 0 before the first trade (so a first losing trade is a drawdown).
- equity-curve: every trade in close order (closed_at, then id) with its net P&L and the
  cumulative net P&L up to and including it (a window function). Past `max_points` trades the
  curve is thinned in SQL, each point still exact: the N trades, at positions n = 1..N, are cut
  into runs of consecutive positions, and of each run the lowest and the highest point are kept
  (the earliest of equal ones), with the first and the last trade, so no drawdown or peak a
  chart would show is hidden; `total_points` says how many trades the curve has. With
  R = (max_points - 2) // 2, trade n is in run (n - 1) * R // N (R equal runs); but on the
  unfiltered curve, once N >= 64 * R, in run (n - 1) // B with B = 64 * ceil(N / (64 * R)) (at
  most R runs of B trades, the last shorter): whole blocks of 64 positions of the stored curve,
  so the thinning reads N / 64 stored block extremes instead of N trades.
- daily-pnl: per calendar day of closing in the trader's time zone, days without trades left out.
- symbol-breakdown: per symbol, by net P&L (highest first), then symbol.
- duration-profit: per bucket of time held, [min_seconds, max_seconds), every bucket listed.
- return-distribution: per bucket of R, [min_r, max_r), every bucket listed; trades without R
  (a stop at zero distance) counted apart.
- time-distribution: trades by the hour (0-23) and ISO weekday (1 Monday .. 7 Sunday) of their
  opening in the trader's time zone, all 24 hours and 7 days listed.
- filter-options: the values each filter can take among the trades the filters select.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any
from uuid import UUID

from django.db import connection

from apps.core.fields import plain_amount
from apps.core.rows import Row, fetch_rows, fetch_value, uuid_param
from apps.journal import rolled
from apps.journal.models import CURVE_BLOCK
from apps.journal.selectors import TradeFilters, trade_filter_sql

_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)
RATIO_PLACES = Decimal("1e-8")
FROM = "FROM journal_journaltrade t"
WIN = "CASE WHEN t.net_pnl > 0 THEN 1 ELSE 0 END"
# Upper bounds of the duration buckets, in seconds: 1 min, 5 min, 15 min, 1 h, 4 h, 1 day, 1 week.
DURATION_EDGES = (60, 300, 900, 3600, 14400, 86400, 604800)
R_EDGES = tuple(Decimal(edge) for edge in ("-3", "-2", "-1", "-0.5", "0", "0.5", "1", "2", "3"))


def ratio(numerator: Any, denominator: Any) -> Decimal | None:
    """numerator / denominator rounded half-even to 8 places; None over 0."""
    if not denominator:
        return None
    with localcontext(_CONTEXT):
        return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES)


def time_zone_of(user_id: UUID) -> str:
    found = fetch_value("SELECT time_zone FROM journal_journalsettings WHERE user_id = %s", [uuid_param(user_id)])
    return found or "UTC"


def _where(user_id: UUID, filters: TradeFilters) -> tuple[str, list[Any]]:
    return trade_filter_sql(user_id=user_id, filters=filters)


def _unfiltered(filters: TradeFilters) -> bool:
    """Whether the whole history is asked for: then the curve stored on the trades
    (services/curve.py) answers, instead of running it over the trades the filters select."""
    return filters == TradeFilters()


def _rolled(filters: TradeFilters) -> bool:
    """Whether the rollups answer (services/rollups.py): the whole history, on PostgreSQL."""
    return _unfiltered(filters) and connection.vendor == "postgresql"


TOTALS = f"""COUNT(*) AS trade_count, SUM({WIN}) AS win_count,
    SUM(CASE WHEN t.net_pnl < 0 THEN 1 ELSE 0 END) AS loss_count,
    SUM(t.gross_pnl) AS gross_pnl, SUM(t.net_pnl) AS net_pnl, SUM(t.fees) AS fees,
    SUM(CASE WHEN t.net_pnl > 0 THEN t.net_pnl ELSE 0 END) AS won,
    SUM(CASE WHEN t.net_pnl < 0 THEN t.net_pnl ELSE 0 END) AS lost,
    MAX(CASE WHEN t.net_pnl > 0 THEN t.net_pnl END) AS largest_win,
    MIN(CASE WHEN t.net_pnl < 0 THEN t.net_pnl END) AS largest_loss,
    SUM(t.r_multiple) AS r_total, COUNT(t.r_multiple) AS r_count"""
# The largest fall below the running peak, from the curve stored on the trades (services/curve.py).
STORED_DRAWDOWN = "MAX(t.curve_peak - t.curve_equity)"


def overview(*, user_id: UUID, filters: TradeFilters) -> Row:
    if _rolled(filters):
        return rolled.overview(user_id=user_id)
    where, params = _where(user_id, filters)
    if _unfiltered(filters):
        # One scan: the stored running peak makes the drawdown one more aggregate.
        return fetch_rows(
            f"SELECT {TOTALS}, {STORED_DRAWDOWN} AS max_drawdown {FROM} {where}",
            params,
        )[0]
    totals = fetch_rows(f"SELECT {TOTALS} {FROM} {where}", params)[0]
    # The running peak counts the 0 the curve starts from.
    drawdown = fetch_rows(
        f"""SELECT MAX(CASE WHEN d.peak > 0 THEN d.peak ELSE 0 END - d.equity) AS max_drawdown FROM (
            SELECT e.equity, MAX(e.equity) OVER (ORDER BY e.closed_at, e.id ROWS UNBOUNDED PRECEDING) AS peak
            FROM (SELECT t.closed_at, t.id,
                SUM(t.net_pnl) OVER (ORDER BY t.closed_at, t.id ROWS UNBOUNDED PRECEDING) AS equity
                {FROM} {where}) e
        ) d""",  # noqa: S608 - values are parameters
        params,
    )[0]
    return {**totals, **drawdown}


def equity_curve(*, user_id: UUID, filters: TradeFilters, max_points: int) -> list[Row]:
    """The curve's points in close order, each with `total_points`, at most `max_points` of them
    (`max_points` >= 4; see the module docstring for which are kept)."""
    if _unfiltered(filters):
        return stored_equity_curve(user_id=user_id, max_points=max_points)
    where, params = _where(user_id, filters)
    runs = max(1, (max_points - 2) // 2)
    return fetch_rows(
        f"""WITH curve AS (
            SELECT t.id AS trade_id, t.closed_at, t.net_pnl, SUM(t.net_pnl) OVER w AS cumulative_pnl,
                ROW_NUMBER() OVER w AS n
            {FROM} {where}
            WINDOW w AS (ORDER BY t.closed_at, t.id ROWS UNBOUNDED PRECEDING)
        ), total AS (
            SELECT COUNT(*) AS total_points FROM curve
        ), runs AS (
            SELECT c.n, c.cumulative_pnl, (c.n - 1) * %s / total.total_points AS run
            FROM curve c CROSS JOIN total WHERE total.total_points > %s
        ), {_KEPT}
        SELECT c.trade_id, c.closed_at, c.net_pnl, c.cumulative_pnl, total.total_points FROM curve c CROSS JOIN total
        WHERE total.total_points <= %s OR c.n = 1 OR c.n = total.total_points
            OR c.n IN (SELECT low_n FROM kept) OR c.n IN (SELECT high_n FROM kept)
        ORDER BY c.n""",  # noqa: S608 - values are parameters
        [*params, runs, max_points, max_points],
    )


# Of each run, the position of its lowest and of its highest point (the earliest of equal ones).
_KEPT = """kept AS (
            SELECT MIN(CASE WHEN r.cumulative_pnl = x.low THEN r.n END) AS low_n,
                MIN(CASE WHEN r.cumulative_pnl = x.high THEN r.n END) AS high_n
            FROM runs r INNER JOIN (
                SELECT run, MIN(cumulative_pnl) AS low, MAX(cumulative_pnl) AS high FROM runs GROUP BY run
            ) x ON x.run = r.run
            GROUP BY r.run
        )"""
_POINT = "t.id AS trade_id, t.closed_at, t.net_pnl, t.curve_equity AS cumulative_pnl"


def stored_equity_curve(*, user_id: UUID, max_points: int) -> list[Row]:
    """The unfiltered curve from the stored columns: the same points as the window above up to
    CURVE_BLOCK * runs trades, whole blocks of the stored curve per run past it (see the module
    docstring)."""
    user = uuid_param(user_id)
    total = fetch_value("SELECT COALESCE(MAX(t.curve_seq), 0) FROM journal_journaltrade t WHERE t.user_id = %s", [user])
    if total <= max_points:
        rows = fetch_rows(
            f"SELECT {_POINT} {FROM} WHERE t.user_id = %s ORDER BY t.curve_seq",
            [user],
        )
    else:
        runs = max(1, (max_points - 2) // 2)
        if total >= CURVE_BLOCK * runs:
            kept, kept_params = _block_run_extremes(user, runs=runs, total=total)
        else:
            kept = f"""runs AS (
                SELECT t.curve_seq AS n, t.curve_equity AS cumulative_pnl, (t.curve_seq - 1) * %s / %s AS run
                {FROM} WHERE t.user_id = %s
            ), {_KEPT}"""
            kept_params = [runs, total, user]
        rows = fetch_rows(
            f"""WITH {kept}, points AS (
                SELECT low_n AS n FROM kept UNION SELECT high_n FROM kept UNION SELECT 1 UNION SELECT %s
            )
            SELECT {_POINT} FROM points p INNER JOIN journal_journaltrade t ON t.curve_seq = p.n
            WHERE t.user_id = %s ORDER BY t.curve_seq""",  # noqa: S608 - values are parameters
            [*kept_params, total, user],
        )
    for row in rows:
        row["total_points"] = total
    return rows


def _block_run_extremes(user: Any, *, runs: int, total: int) -> tuple[str, list[Any]]:
    """`kept` from the curve blocks (models.JournalCurveBlock): run r holds blocks r * k ..
    (r + 1) * k - 1 with k = ceil(total / (CURVE_BLOCK * runs)); its lowest point is the lowest
    of its blocks' lows, the earliest of equal ones (each block's low is its own earliest), and
    so its highest. A pass over total / CURVE_BLOCK rows instead of every trade."""
    per_run = -(-total // (CURVE_BLOCK * runs))
    sql = """blocks AS (
        SELECT b.block / %s AS run, b.low_seq, b.low_equity, b.high_seq, b.high_equity
        FROM journal_journalcurveblock b WHERE b.user_id = %s
    ), extremes AS (
        SELECT run, MIN(low_equity) AS low, MAX(high_equity) AS high FROM blocks GROUP BY run
    ), kept AS (
        SELECT MIN(CASE WHEN b.low_equity = x.low THEN b.low_seq END) AS low_n,
            MIN(CASE WHEN b.high_equity = x.high THEN b.high_seq END) AS high_n
        FROM blocks b INNER JOIN extremes x ON x.run = b.run
        GROUP BY b.run
    )"""
    return sql, [per_run, user]


_SUM_KEYS = ("trade_count", "win_count", "gross_pnl", "fees", "net_pnl")
_SUMS = (
    f"COUNT(*) AS trade_count, SUM({WIN}) AS win_count, "
    "SUM(t.gross_pnl) AS gross_pnl, SUM(t.fees) AS fees, SUM(t.net_pnl) AS net_pnl"
)


def daily_pnl(*, user_id: UUID, filters: TradeFilters, time_zone: str) -> list[Row]:
    """The days as the API writes them: `date` (YYYY-MM-DD), the counts, and the money as
    `plain_amount` writes it. PostgreSQL's statements write them so (a whole history is thousands
    of days, and a Decimal made and formatted per value in Python took longer than the statement);
    SQLite's rows are written here."""
    if _rolled(filters):  # summed in the time zone the settings hold, which `time_zone` is
        return rolled.daily_pnl(user_id=user_id)
    day, day_params = connection.ops.datetime_cast_date_sql("t.closed_at", (), time_zone)
    where, params = _where(user_id, filters)
    if connection.vendor == "postgresql":
        return fetch_rows(
            f"""SELECT CAST({day} AS TEXT) AS date, COUNT(*) AS trade_count, SUM({WIN}) AS win_count,
                {rolled.written_money("t")} {FROM} {where} GROUP BY 1 ORDER BY 1""",
            [*day_params, *params],
        )
    rows = fetch_rows(f"SELECT {day} AS date, {_SUMS} {FROM} {where} GROUP BY 1 ORDER BY 1", [*day_params, *params])
    return [
        {
            "date": row["date"],
            "trade_count": int(row["trade_count"]),
            "win_count": int(row["win_count"]),
            **{name: plain_amount(row[name]) for name in rolled.MONEY},
        }
        for row in rows
    ]


def symbol_breakdown(*, user_id: UUID, filters: TradeFilters) -> list[Row]:
    if _rolled(filters):
        return rolled.symbol_breakdown(user_id=user_id)
    where, params = _where(user_id, filters)
    return fetch_rows(
        f"SELECT t.symbol, {_SUMS} {FROM} {where} GROUP BY t.symbol ORDER BY SUM(t.net_pnl) DESC, t.symbol",
        params,
    )


def bucket_case(column: str, edges: tuple) -> str:
    """The index of the bucket `column` falls in: 0 below the first edge, len(edges) from the last."""
    steps = " ".join(f"WHEN {column} < {edge} THEN {index}" for index, edge in enumerate(edges))
    return f"CASE {steps} ELSE {len(edges)} END"


@dataclass(frozen=True)
class Bucket:
    index: int
    low: Any
    high: Any


def buckets(edges: tuple) -> list[Bucket]:
    bounds = [None, *edges, None]
    return [Bucket(index, bounds[index], bounds[index + 1]) for index in range(len(edges) + 1)]


def duration_profit(*, user_id: UUID, filters: TradeFilters) -> dict[int, Row]:
    if _rolled(filters):
        return rolled.buckets(user_id=user_id, kind="duration")
    where, params = _where(user_id, filters)
    rows = fetch_rows(
        f"""SELECT {bucket_case("t.duration_seconds", DURATION_EDGES)} AS bucket, {_SUMS}
        {FROM} {where} GROUP BY 1""",
        params,
    )
    return {int(row["bucket"]): row for row in rows}


def return_distribution(*, user_id: UUID, filters: TradeFilters) -> dict[int, Row]:
    """By R bucket; the key -1 counts the trades without R."""
    if _rolled(filters):
        return rolled.buckets(user_id=user_id, kind="r")
    where, params = _where(user_id, filters)
    bucket = bucket_case("t.r_multiple", R_EDGES)
    rows = fetch_rows(
        f"""SELECT CASE WHEN t.r_multiple IS NULL THEN -1 ELSE {bucket} END AS bucket, {_SUMS}
        {FROM} {where} GROUP BY 1""",
        params,
    )
    return {int(row["bucket"]): row for row in rows}


def time_distribution(*, user_id: UUID, filters: TradeFilters, time_zone: str) -> dict[str, dict[int, Row]]:
    if _rolled(filters):
        cells = rolled.time_cells(user_id=user_id)
    else:
        where, params = _where(user_id, filters)
        hour, hour_params = connection.ops.datetime_extract_sql("hour", "t.opened_at", (), time_zone)
        weekday, weekday_params = connection.ops.datetime_extract_sql("iso_week_day", "t.opened_at", (), time_zone)
        cells = fetch_rows(
            f"SELECT {hour} AS hour, {weekday} AS weekday, {_SUMS} {FROM} {where} GROUP BY 1, 2",
            [*hour_params, *weekday_params, *params],
        )
    # One pass over the trades into at most 168 (hour, weekday) cells, added up per axis here:
    # two GROUP BYs (one per axis) read every trade twice, and GROUPING SETS is not SQLite's.
    result: dict[str, dict[int, Row]] = {"hour": {}, "weekday": {}}
    for cell in cells:
        for part in result:
            into = result[part].setdefault(int(cell[part]), dict.fromkeys(_SUM_KEYS, 0))
            for key in _SUM_KEYS:
                into[key] += cell[key]
    return result


def filter_options(*, user_id: UUID, filters: TradeFilters) -> dict[str, Any]:
    if _rolled(filters):
        return rolled.filter_options(user_id=user_id)
    where, params = _where(user_id, filters)
    range_row = fetch_rows(
        f"""SELECT MIN(t.closed_at) AS first_closed_at, MAX(t.closed_at) AS last_closed_at
        {FROM} {where}""",
        params,
    )[0]
    return {
        "symbols": fetch_rows(f"SELECT DISTINCT t.symbol {FROM} {where} ORDER BY t.symbol", params),
        "sides": fetch_rows(f"SELECT DISTINCT t.side {FROM} {where} ORDER BY t.side", params),
        "tags": fetch_rows(
            f"""SELECT g.id, g.name FROM journal_journaltag g WHERE g.id IN (
                SELECT x.tag_id FROM journal_journaltradetag x INNER JOIN journal_journaltrade t ON t.id = x.trade_id
                {where}) ORDER BY g.name, g.id""",  # noqa: S608 - parameters
            params,
        ),
        "exchange_accounts": fetch_rows(
            f"""SELECT a.id, a.exchange_name, a.label FROM exchanges_exchangeaccount a WHERE a.id IN (
                SELECT t.exchange_account_id {FROM} {where}) ORDER BY a.created_at, a.id""",  # noqa: S608
            params,
        ),
        **range_row,
    }
