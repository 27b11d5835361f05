"""Seed the journal bench's trader with journal trades on PostgreSQL, in bulk.

Each trade gets the fill it opened with (`JournalTrade.opening_fill` is a one-to-one to
`trades_fill`) and, one in five, a tag. Rows are numbered; `seed_trades(upto=N)` adds the
numbers the trader does not have yet, so 100,000 then 1,000,000 is 100,000 and then 900,000
more, never the ORM row by row: one temporary table drawn from `generate_series` with a fixed
`setseed`, and three `INSERT ... SELECT`s from it (fills, trades, tags), then `VACUUM (ANALYZE)`.

The spreads: 8 symbols over 3 accounts, long and short alike, closes uniform over six years
(2020-2025), time held log-uniform from 10 s to 10 days, R roughly normal around 0.1 (sd about
1.2) on a risk of 20 to 220 USDT, fees 0.1% of the notional, 2% of trades without R.
"""

from __future__ import annotations

from typing import Any

SYMBOLS = ("BTC_USDT", "ETH_USDT", "SOL_USDT", "XRP_USDT", "BNB_USDT", "ADA_USDT", "DOGE_USDT", "BTC_USDT_PERP")
TAGS = ("breakout", "reversal", "news", "scalp", "swing")
ACCOUNTS = 3
EMAIL = "bench-journal@bench.invalid"

DRAWS = """
CREATE TEMPORARY TABLE jb_draw ON COMMIT DROP AS
SELECT n, r.*,
    (%(accounts)s::uuid[])[1 + n %% %(account_count)s] AS account_id,
    (%(symbols)s::text[])[1 + (n * 7) %% %(symbol_count)s] AS symbol,
    CASE WHEN r.u1 < 0.5 THEN 'buy' ELSE 'sell' END AS side,
    timestamptz '2020-01-01 00:00:00+00' + r.u2 * interval '2191 days' AS closed_at,
    floor(exp(ln(10) + r.u3 * (ln(864000) - ln(10))))::bigint AS duration_seconds,
    round((20 + r.u4 * 200)::numeric, 2) AS risk_amount,
    -- a sum of three uniforms is close enough to normal for the histogram's shape
    round(((r.u5 + r.u6 + r.u7 - 1.5) * 2.4 + 0.1)::numeric, 6) AS r_raw
FROM generate_series(%(low)s, %(high)s) n
CROSS JOIN LATERAL (SELECT random() AS u1, random() AS u2, random() AS u3, random() AS u4,
    random() AS u5, random() AS u6, random() AS u7, random() AS u8, n AS m) r
"""

FILLS = """
INSERT INTO trades_fill (id, user_id, exchange_account_id, venue, venue_trade_id, venue_order_id, order_id,
    symbol, side, price, quantity, fee, fee_asset, realized_pnl, executed_at, created_at)
SELECT md5('jb-fill-' || n)::uuid, %(user)s, account_id, 'paper', 'jb' || n, '', NULL, symbol, side,
    100 + u8 * 1000, 1, 0, '', NULL, closed_at - duration_seconds * interval '1 second', now()
FROM jb_draw
"""

TRADES = """
INSERT INTO journal_journaltrade (id, user_id, exchange_account_id, opening_fill_id, trade_group_id, venue, symbol,
    side, quantity, entry_price, exit_price, fees, fees_complete, gross_pnl, net_pnl, stop_price, risk_amount,
    r_multiple, stop_assumed, opened_at, closed_at, duration_seconds, fill_count, mae, mfe, notes, created_at,
    updated_at)
SELECT md5('jb-trade-' || n)::uuid, %(user)s, account_id, md5('jb-fill-' || n)::uuid, NULL, 'paper', symbol, side, 1,
    entry, entry + sign * (net + fees), fees, true, net + fees, net, entry - sign * risk_amount,
    risk_amount, CASE WHEN n %% 50 = 0 THEN NULL ELSE round(net / risk_amount, 18) END, u1 < 0.3,
    closed_at - duration_seconds * interval '1 second', closed_at, duration_seconds, 2, NULL, NULL, '', now(), now()
FROM (SELECT *, round((100 + u8 * 1000)::numeric, 8) AS entry, CASE WHEN side = 'buy' THEN 1 ELSE -1 END AS sign,
    round(r_raw * risk_amount, 8) AS net, round((100 + u8 * 1000)::numeric * 0.002, 8) AS fees FROM jb_draw) d
"""

TAGGED = """
INSERT INTO journal_journaltradetag (trade_id, tag_id, created_at)
SELECT md5('jb-trade-' || n)::uuid, (%(tags)s::uuid[])[1 + (n / 5) %% %(tag_count)s], now()
FROM jb_draw WHERE n %% 5 = 0
"""


def bench_trader() -> Any:
    """The bench's trader with its accounts and tags (made once, found again after)."""
    import uuid

    from apps.accounts.models import User
    from apps.accounts.services.demo import ensure_demo_user
    from apps.exchanges.models import AccountKind, ExchangeAccount
    from apps.journal.models import JournalTag

    user = User.objects.filter(email=EMAIL).first() or ensure_demo_user(
        email=EMAIL, password=uuid.uuid4().hex, role="OPERATOR"
    )
    for index in range(ACCOUNTS - ExchangeAccount.objects.filter(user=user).count()):
        ExchangeAccount.objects.create(user=user, exchange_name="paper", kind=AccountKind.PAPER, label=f"bench {index}")
    for name in TAGS:
        JournalTag.objects.get_or_create(user=user, name=name)
    return user


def _drop_trades(*, low: int, high: int) -> None:
    """Delete the trades numbered low..high and their fills (a smaller size after a larger run)."""
    from django.db import connection, transaction

    numbers = f"SELECT md5(%s || n)::uuid FROM generate_series({int(low)}, {int(high)}) n"  # noqa: S608 - ints
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column, prefix in (
            ("journal_journaltradetag", "trade_id", "jb-trade-"),
            ("journal_journaltrade", "id", "jb-trade-"),
            ("trades_fill", "id", "jb-fill-"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({numbers})", [prefix])  # noqa: S608 - constants


def seed_trades(*, user: Any, upto: int) -> int:
    """Make the trader hold trades 1..`upto`: add the missing numbers (or drop those past it);
    return how many were added (negative: dropped)."""
    from django.db import connection

    from apps.journal.models import JournalTrade
    from apps.journal.services.curve import refresh_equity_curve

    have = JournalTrade.objects.filter(user=user).count()
    if have > upto:
        _drop_trades(low=upto + 1, high=have)
    elif have < upto:
        _add_trades(user=user, low=have + 1, high=upto)
    if have != upto:
        # Written around the journal's one writer, so its stored curve is brought up to date here.
        refresh_equity_curve(user_id=user.id)
    # Statistics, and the visibility map an index-only scan needs, as autovacuum keeps them;
    # after a drop the tables are rewritten first, or a smaller size would scan the larger's pages.
    with connection.cursor() as cursor:
        for table in ("trades_fill", "journal_journaltrade", "journal_journaltradetag"):
            if have > upto:
                cursor.execute(f"VACUUM FULL {table}")
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return upto - have


def _add_trades(*, user: Any, low: int, high: int) -> None:
    from django.db import connection, transaction

    from apps.exchanges.models import ExchangeAccount
    from apps.journal.models import JournalTag

    accounts = [
        str(a)
        for a in ExchangeAccount.objects.filter(user=user).order_by("created_at", "id").values_list("id", flat=True)
    ]
    tags = [str(t) for t in JournalTag.objects.filter(user=user).order_by("name").values_list("id", flat=True)]
    params = {
        "user": str(user.id),
        "low": low,
        "high": high,
        "accounts": accounts,
        "account_count": len(accounts),
        "symbols": list(SYMBOLS),
        "symbol_count": len(SYMBOLS),
        "tags": tags,
        "tag_count": len(tags),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # Reproducible draws: the same numbers give the same trades on every machine.
        cursor.execute("SELECT setseed(%s)", [(low % 1000) / 1000])
        for statement in (DRAWS, FILLS, TRADES, TAGGED):
            cursor.execute(statement, params)
