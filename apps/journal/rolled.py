"""The unfiltered analytics from the rollups (services/rollups.py) on PostgreSQL: the same rows
as analytics.py's statements over the trades give, added up from a user's `JournalRollup` rows
(a few per day per key) instead of every trade. analytics.py decides when they answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from apps.core.rows import Row, amount_text, fetch_rows, uuid_param

FROM = "FROM journal_journalrollup r WHERE r.user_id = %s AND r.kind = %s"
_COUNT = "COALESCE(CAST(SUM(r.{0}) AS BIGINT), 0) AS {0}"
_SUMS = (
    f"{_COUNT.format('trade_count')}, {_COUNT.format('win_count')}, "
    "SUM(r.gross_pnl) AS gross_pnl, SUM(r.fees) AS fees, SUM(r.net_pnl) AS net_pnl"
)


def _rows(sql: str, user_id: UUID, kind: str) -> list[Row]:
    return fetch_rows(sql.format(FROM=FROM), [uuid_param(user_id), kind])


def overview(*, user_id: UUID) -> Row:
    return _rows(
        f"""SELECT {_COUNT.format("trade_count")}, {_COUNT.format("win_count")}, {_COUNT.format("loss_count")},
            SUM(r.gross_pnl) AS gross_pnl, SUM(r.net_pnl) AS net_pnl, SUM(r.fees) AS fees,
            SUM(r.won) AS won, SUM(r.lost) AS lost, MAX(r.largest_win) AS largest_win,
            MIN(r.largest_loss) AS largest_loss, SUM(r.r_total) AS r_total, {_COUNT.format("r_count")},
            MAX(r.max_drawdown) AS max_drawdown {{FROM}}""",
        user_id,
        "all",
    )[0]


# A day's sums of money, in the order the API lists them.
MONEY = ("gross_pnl", "fees", "net_pnl")


def written_money(alias: str) -> str:
    """The SELECT list of the sums of MONEY over rows `alias`, written as the API writes them."""
    return ", ".join(f"{amount_text(f'SUM({alias}.{name})')} AS {name}" for name in MONEY)


def daily_pnl(*, user_id: UUID) -> list[Row]:
    """The days as the API writes them (analytics.daily_pnl)."""
    return _rows(
        f"""SELECT r.key AS date, {_COUNT.format("trade_count")}, {_COUNT.format("win_count")}, {written_money("r")}
            {{FROM}} GROUP BY r.key ORDER BY r.key""",
        user_id,
        "day",
    )


def symbol_breakdown(*, user_id: UUID) -> list[Row]:
    return _rows(
        f"SELECT r.key AS symbol, {_SUMS} {{FROM}} GROUP BY r.key ORDER BY SUM(r.net_pnl) DESC, r.key",
        user_id,
        "symbol",
    )


def buckets(*, user_id: UUID, kind: str) -> dict[int, Row]:
    """`duration` or `r` rows by bucket index."""
    rows = _rows(f"SELECT CAST(r.key AS INTEGER) AS bucket, {_SUMS} {{FROM}} GROUP BY r.key", user_id, kind)
    return {int(row["bucket"]): row for row in rows}


def time_cells(*, user_id: UUID) -> list[Row]:
    return _rows(
        f"""SELECT CAST(SPLIT_PART(r.key, ':', 1) AS INTEGER) AS hour,
            CAST(SPLIT_PART(r.key, ':', 2) AS INTEGER) AS weekday, {_SUMS} {{FROM}} GROUP BY r.key""",
        user_id,
        "hour",
    )


def filter_options(*, user_id: UUID) -> dict[str, Any]:
    """The symbols, sides and date range from the rollups; the tags and accounts by one probe
    each of the trader's own (a tag is changed without any trade being written, so it has no
    rollup)."""
    user = uuid_param(user_id)
    range_row = _rows(
        "SELECT MIN(r.first_closed_at) AS first_closed_at, MAX(r.last_closed_at) AS last_closed_at {FROM}",
        user_id,
        "all",
    )[0]
    return {
        "symbols": _rows("SELECT DISTINCT r.key AS symbol {FROM} ORDER BY r.key", user_id, "symbol"),
        "sides": _rows("SELECT DISTINCT r.key AS side {FROM} ORDER BY r.key", user_id, "side"),
        "tags": fetch_rows(
            # LATERAL ... LIMIT 1: one probe per tag; as an EXISTS, PostgreSQL joined every trade.
            """SELECT g.id, g.name FROM journal_journaltag g CROSS JOIN LATERAL (
                SELECT 1 FROM journal_journaltradetag x INNER JOIN journal_journaltrade t ON t.id = x.trade_id
                WHERE x.tag_id = g.id AND t.user_id = %s LIMIT 1) used
            WHERE g.user_id = %s ORDER BY g.name, g.id""",
            [user, user],
        ),
        "exchange_accounts": fetch_rows(
            """SELECT a.id, a.exchange_name, a.label FROM exchanges_exchangeaccount a WHERE a.user_id = %s AND EXISTS (
                SELECT 1 FROM journal_journaltrade t WHERE t.exchange_account_id = a.id AND t.user_id = %s)
            ORDER BY a.created_at, a.id""",
            [user, user],
        ),
        **range_row,
    }
