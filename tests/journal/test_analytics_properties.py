"""Every analytics endpoint against an independent pandas reference over the same random trades
and random filters, to the last digit (sums are exact; ratios rounded half-even to 8 places)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import accumulate

import pandas as pd
import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.fields import iso_z, plain_amount
from apps.journal.models import JournalSettings, JournalTag, JournalTrade, JournalTradeTag
from apps.journal.services.curve import refresh_equity_curve
from apps.trades.models import Fill
from tests.exchanges.factories import ExchangeAccountFactory

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime(2026, 3, 1, tzinfo=UTC)
SYMBOLS = ["BTC_USDT", "ETH_USDT", "SOL_USDC"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
DURATION_EDGES = [60, 300, 900, 3600, 14400, 86400, 604800]
R_EDGES = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3]
UNIT_KEYS = ("trade_count", "win_count", "net_pnl")


@pytest.fixture(autouse=True)
def _exact_sums(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite sums NUMERIC columns as binary floats: the exact comparison is PostgreSQL's.")


money = st.decimals(min_value=D("-5000"), max_value=D("5000"), places=6)
trade_rows = st.fixed_dictionaries(
    {
        "symbol": st.sampled_from(SYMBOLS),
        "side": st.sampled_from(["buy", "sell"]),
        "gross": money,
        "fees": st.decimals(min_value=D("0"), max_value=D("50"), places=8),
        "r": st.one_of(st.none(), st.decimals(min_value=D("-6"), max_value=D("6"), places=2)),
        # Minutes after START; the narrow range makes trades close at the same instant.
        "closed": st.one_of(st.integers(0, 3), st.integers(min_value=0, max_value=60 * 24 * 20)),
        # Every bucket edge and the second below it.
        "held": st.sampled_from([0, 59, 60, 299, 300, 3599, 3600, 86399, 86400, 604800, 900000]),
        "account": st.integers(0, 1),
        "tags": st.sets(st.integers(0, 1)),
    }
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "start_date": st.sampled_from(["2026-03-05", "2026-03-10T12:00:00Z"]),
        "end_date": st.sampled_from(["2026-03-15", "2026-03-20T06:30:00+02:00"]),
        "symbol": st.sampled_from(SYMBOLS),
        "side": st.sampled_from(["buy", "sell"]),
        "tag": st.integers(0, 1),
        "exchange_account_id": st.integers(0, 1),
    },
)


def ratio(numerator, denominator) -> str | None:
    if not denominator:
        return None
    # numpy counts are no Decimal's input: through int (a sum of Decimals stays a Decimal).
    numerator, denominator = (v if isinstance(v, Decimal) else int(v) for v in (numerator, denominator))
    return plain_amount((D(numerator) / D(denominator)).quantize(D("1e-8"), rounding=ROUND_HALF_EVEN))


def cash(values) -> str:
    return plain_amount(sum(values, D(0)))


def seed(user, accounts, tags, rows) -> pd.DataFrame:
    fills, trades, links = [], [], []
    for index, row in enumerate(rows):
        account = accounts[row["account"]]
        closed = START + timedelta(minutes=row["closed"])
        opened = closed - timedelta(seconds=row["held"])
        fill = Fill(
            id=uuid.uuid4(),
            user=user,
            exchange_account=account,
            venue="paper",
            venue_trade_id=str(index),
            symbol=row["symbol"],
            side=row["side"],
            price=D(1),
            quantity=D(1),
            executed_at=opened,
        )
        trade = JournalTrade(
            id=uuid.uuid4(),
            user=user,
            exchange_account=account,
            opening_fill=fill,
            venue="paper",
            symbol=row["symbol"],
            side=row["side"],
            quantity=D(1),
            entry_price=D(1),
            exit_price=D(1),
            fees=row["fees"],
            gross_pnl=row["gross"],
            net_pnl=row["gross"] - row["fees"],
            r_multiple=row["r"],
            opened_at=opened,
            closed_at=closed,
            duration_seconds=row["held"],
            fill_count=2,
        )
        fills.append(fill)
        trades.append(trade)
        links += [JournalTradeTag(trade=trade, tag=tags[t]) for t in row["tags"]]
    Fill.objects.bulk_create(fills)
    JournalTrade.objects.bulk_create(trades)
    JournalTradeTag.objects.bulk_create(links)
    refresh_equity_curve(user_id=user.pk)
    frame = pd.DataFrame(
        {
            "id": [str(t.id) for t in trades],
            "symbol": [t.symbol for t in trades],
            "side": [t.side for t in trades],
            "gross": pd.Series([t.gross_pnl for t in trades], dtype=object),
            "fees": pd.Series([t.fees for t in trades], dtype=object),
            "net": pd.Series([t.net_pnl for t in trades], dtype=object),
            "r": pd.Series([t.r_multiple for t in trades], dtype=object),
            "opened": pd.to_datetime([t.opened_at for t in trades], utc=True),
            "closed": pd.to_datetime([t.closed_at for t in trades], utc=True),
            "held": [t.duration_seconds for t in trades],
            "account": [str(t.exchange_account_id) for t in trades],
            "tags": [{str(tags[i].id) for i in row["tags"]} for row in rows],
        }
    )
    return frame


def instant(raw: str, *, end: bool) -> pd.Timestamp:
    if "T" in raw:
        return pd.Timestamp(raw).tz_convert("UTC")
    day = pd.Timestamp(raw, tz="UTC")
    return day + pd.Timedelta(days=1) if end else day


def select(frame: pd.DataFrame, query: dict[str, str]) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if "start_date" in query:
        keep &= frame["closed"] >= instant(query["start_date"], end=False)
    if "end_date" in query:
        keep &= frame["closed"] < instant(query["end_date"], end=True)
    for name, column in (("symbol", "symbol"), ("side", "side"), ("exchange_account_id", "account")):
        if name in query:
            keep &= frame[column] == query[name]
    if "tag" in query:
        keep &= frame["tags"].apply(lambda tags: query["tag"] in tags)
    return frame[keep]


def sums(group: pd.DataFrame) -> dict:
    return {
        "trade_count": len(group),
        "win_count": int((group["net"] > 0).sum()),
        "gross_pnl": cash(group["gross"]),
        "fees": cash(group["fees"]),
        "net_pnl": cash(group["net"]),
    }


def reference(frame: pd.DataFrame, zone: str, accounts, tags) -> dict[str, dict]:
    ordered = frame.sort_values(["closed", "id"])
    wins, losses = frame[frame["net"] > 0], frame[frame["net"] < 0]
    equity = list(accumulate(ordered["net"], initial=D(0)))
    peaks = list(accumulate(equity, max))
    with_r = frame["r"].dropna()
    out = {
        "overview": {
            "trade_count": len(frame),
            "win_count": len(wins),
            "loss_count": len(losses),
            "win_rate": ratio(len(wins), len(frame)),
            "average_r": ratio(sum(with_r, D(0)), len(with_r)),
            "profit_factor": ratio(sum(wins["net"], D(0)), -sum(losses["net"], D(0))),
            "expectancy": ratio(sum(frame["net"], D(0)), len(frame)),
            "gross_pnl": cash(frame["gross"]),
            "net_pnl": cash(frame["net"]),
            "fees": cash(frame["fees"]),
            "largest_win": plain_amount(max(wins["net"])) if len(wins) else None,
            "largest_loss": plain_amount(min(losses["net"])) if len(losses) else None,
            "max_drawdown": plain_amount(max(p - e for p, e in zip(peaks, equity, strict=True))),
        },
        "equity-curve": {
            "data": [
                {
                    "trade_id": row.id,
                    "closed_at": iso_z(row.closed.to_pydatetime()),
                    "net_pnl": plain_amount(row.net),
                    "cumulative_pnl": plain_amount(total),
                }
                for row, total in zip(ordered.itertuples(), equity[1:], strict=True)
            ],
            "total_points": len(ordered),
            "downsampled": False,
        },
    }
    local_day = frame["closed"].dt.tz_convert(zone).dt.date.astype(str)
    out["daily-pnl"] = {
        "time_zone": zone,
        "data": [{"date": day, **sums(group)} for day, group in frame.groupby(local_day, sort=True)],
    }
    symbols = [
        {"symbol": s, **sums(g), "win_rate": ratio((g["net"] > 0).sum(), len(g))} for s, g in frame.groupby("symbol")
    ]
    out["symbol-breakdown"] = {"data": sorted(symbols, key=lambda s: (-D(s["net_pnl"]), s["symbol"]))}
    held = pd.cut(frame["held"], [-1, *DURATION_EDGES, float("inf")], right=False, labels=False)
    bounds = [0, *DURATION_EDGES, None]
    out["duration-profit"] = {
        "data": [
            {
                "min_seconds": bounds[i],
                "max_seconds": bounds[i + 1],
                **sums(frame[held == i]),
                "average_pnl": ratio(sum(frame[held == i]["net"], D(0)), (held == i).sum()),
            }
            for i in range(len(bounds) - 1)
        ]
    }
    rated = frame[frame["r"].notna()]
    r_bucket = pd.cut(rated["r"].astype(float), [float("-inf"), *R_EDGES, float("inf")], right=False, labels=False)
    edges = [None, *(plain_amount(D(str(e))) for e in R_EDGES), None]
    out["return-distribution"] = {
        "data": [
            {
                "min_r": edges[i],
                "max_r": edges[i + 1],
                "trade_count": int((r_bucket == i).sum()),
                "win_count": int((rated[r_bucket == i]["net"] > 0).sum()),
                "net_pnl": cash(rated[r_bucket == i]["net"]),
            }
            for i in range(len(edges) - 1)
        ],
        "trades_without_r": int(frame["r"].isna().sum()),
    }
    opened = frame["opened"].dt.tz_convert(zone)

    def units(name: str, values: pd.Series, span: range) -> list[dict]:
        return [
            {name: unit, **{k: v for k, v in sums(frame[values == unit]).items() if k in UNIT_KEYS}} for unit in span
        ]

    out["time-distribution"] = {
        "time_zone": zone,
        "by_hour": units("hour", opened.dt.hour, range(24)),
        "by_weekday": units("weekday", opened.dt.day_of_week + 1, range(1, 8)),
    }
    carried = set().union(*frame["tags"]) if len(frame) else set()
    out["filter-options"] = {
        "symbols": sorted(frame["symbol"].unique()),
        "sides": sorted(frame["side"].unique()),
        "tags": [{"id": str(t.id), "name": t.name} for t in sorted(tags, key=lambda t: t.name) if str(t.id) in carried],
        "exchange_accounts": [
            {"id": str(a.id), "exchange_name": a.exchange_name, "label": a.label}
            for a in accounts
            if str(a.id) in set(frame["account"])
        ],
        "first_closed_at": iso_z(frame["closed"].min().to_pydatetime()) if len(frame) else None,
        "last_closed_at": iso_z(frame["closed"].max().to_pydatetime()) if len(frame) else None,
    }
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(trade_rows, max_size=40), query=filters, zone=st.sampled_from(ZONES))
def test_every_endpoint_matches_the_pandas_reference(api, user, auth, rows, query, zone):
    with transaction.atomic():
        accounts = [ExchangeAccountFactory(user=user, label=f"acct {i}") for i in range(2)]
        tags = [JournalTag.objects.create(user=user, name=name) for name in ("b-tag", "a-tag")]
        JournalSettings.objects.update_or_create(user=user, defaults={"time_zone": zone})
        frame = seed(user, accounts, tags, rows)
        params = {
            k: (str(tags[v].id) if k == "tag" else str(accounts[v].id) if k == "exchange_account_id" else v)
            for k, v in query.items()
        }
        expected = reference(select(frame, params), zone, accounts, tags)
        for name, body in expected.items():
            response = api.get(f"/api/v1/journal/analytics/{name}", params, **auth)
            assert response.status_code == 200, response.content
            assert response.json() == body, name
        transaction.set_rollback(True)


def thinned(points: list[dict], max_points: int) -> list[dict]:
    """The reference's downsampling of the unfiltered curve: all points up to max_points; past
    it the first, the last, and the lowest and highest (earliest of equal ones) of each run,
    R = (max_points - 2) // 2 equal runs, or from 64 * R points on, runs of B = 64 * ceil(N / (64 * R))
    points (the last shorter)."""
    total = len(points)
    if total <= max_points:
        return points
    runs = max(1, (max_points - 2) // 2)
    size = 64 * -(-total // (64 * runs))
    by_run: dict[int, list[int]] = {}
    for index in range(total):
        by_run.setdefault(index // size if total >= 64 * runs else index * runs // total, []).append(index)
    kept = {0, total - 1}
    for indexes in by_run.values():
        values = [D(points[i]["cumulative_pnl"]) for i in indexes]
        kept |= {indexes[values.index(min(values))], indexes[values.index(max(values))]}
    return [points[i] for i in sorted(kept)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(trade_rows, max_size=60), max_points=st.integers(4, 12))
def test_a_thinned_equity_curve_keeps_exact_points_and_every_runs_extremes(api, user, auth, rows, max_points):
    with transaction.atomic():
        accounts = [ExchangeAccountFactory(user=user, label=f"acct {i}") for i in range(2)]
        tags = [JournalTag.objects.create(user=user, name=name) for name in ("b-tag", "a-tag")]
        frame = seed(user, accounts, tags, rows)
        full = reference(frame, "UTC", accounts, tags)
        response = api.get("/api/v1/journal/analytics/equity-curve", {"max_points": max_points}, **auth)
        assert response.status_code == 200, response.content
        points = full["equity-curve"]["data"]
        assert response.json() == {
            "data": thinned(points, max_points),
            "total_points": len(points),
            "downsampled": len(points) > max_points,
        }
        # The drawdown is the whole curve's, however the chart's curve is thinned.
        overview = api.get("/api/v1/journal/analytics/overview", **auth).json()
        assert overview["max_drawdown"] == full["overview"]["max_drawdown"]
        transaction.set_rollback(True)
