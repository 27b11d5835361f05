"""/api/v1/journal/analytics/*: hand-worked numbers a trader can check, the filters, the
trader's time zone, errors and query counts (tests/journal/test_analytics_properties.py checks
every number against pandas on random trades)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.journal.api.analytics import ENDPOINTS
from apps.journal.models import JournalSettings
from tests.journal.factories import JournalTradeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/analytics"
NAMES = [name for name, *_ in ENDPOINTS]


def closed(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def week(user):
    """+100, -50, -80, +200 net, closed on 2 to 5 March: the curve 100, 50, -30, 170."""
    return [
        JournalTradeFactory(user=user, net_pnl=Decimal(pnl), gross_pnl=Decimal(pnl) + 1, fees=Decimal(1),
                            closed_at=closed(day), r_multiple=Decimal(r))
        for day, pnl, r in ((2, "100", "2"), (3, "-50", "-1"), (4, "-80", "-1.6"), (5, "200", "4"))
    ]  # fmt: skip


def test_the_overview_of_a_week(api, auth, week):
    body = api.get(f"{URL}/overview", **auth).json()
    assert body == {
        "trade_count": 4,
        "win_count": 2,
        "loss_count": 2,
        "win_rate": "0.5",
        "average_r": "0.85",
        "profit_factor": "2.30769231",  # 300 / 130
        "expectancy": "42.5",
        "gross_pnl": "174",
        "net_pnl": "170",
        "fees": "4",
        "largest_win": "200",
        "largest_loss": "-80",
        "max_drawdown": "130",  # from the peak of 100 down to -30
    }


def test_a_first_losing_trade_is_a_drawdown_from_zero(api, user, auth):
    JournalTradeFactory(user=user, net_pnl=Decimal("-25"))
    assert api.get(f"{URL}/overview", **auth).json()["max_drawdown"] == "25"


def test_the_equity_curve_adds_up_in_close_order(api, auth, week):
    points = api.get(f"{URL}/equity-curve", **auth).json()["data"]
    assert [p["cumulative_pnl"] for p in points] == ["100", "50", "-30", "170"]
    assert [p["trade_id"] for p in points] == [str(t.id) for t in week]


@pytest.mark.parametrize("query", [{}, {"start_date": "2026-01-01"}], ids=["whole history", "filtered"])
def test_the_daily_pnl_writes_each_day_as_every_other_amount(api, user, auth, week, query):
    # On PostgreSQL the database writes these strings (the rollups unfiltered, the trades filtered).
    JournalTradeFactory(user=user, net_pnl=Decimal("-100.25"), gross_pnl=Decimal("-100"), fees=Decimal("0.25"),
                        closed_at=closed(2, 18))  # fmt: skip
    JournalTradeFactory(user=user, net_pnl=Decimal("0.000001"), gross_pnl=Decimal("0.000001"), fees=Decimal(0),
                        closed_at=closed(6))  # fmt: skip
    days = api.get(f"{URL}/daily-pnl", query, **auth).json()["data"]
    assert days[0] == {
        "date": "2026-03-02",
        "trade_count": 2,
        "win_count": 1,
        "gross_pnl": "1",
        "fees": "1.25",
        "net_pnl": "-0.25",
    }
    assert [(d["date"], d["gross_pnl"], d["net_pnl"]) for d in days[1:]] == [
        ("2026-03-03", "-49", "-50"),
        ("2026-03-04", "-79", "-80"),
        ("2026-03-05", "201", "200"),
        ("2026-03-06", "0.000001", "0.000001"),
    ]
    assert days[-1]["fees"] == "0"


def test_the_filters_apply_to_analytics(api, auth, week):
    body = api.get(f"{URL}/overview?start_date=2026-03-03&end_date=2026-03-04", **auth).json()
    assert (body["trade_count"], body["net_pnl"], body["max_drawdown"]) == (2, "-130", "130")


def test_days_and_hours_are_the_traders(api, user, auth):
    JournalSettings.objects.create(user=user, time_zone="America/New_York")
    # 02:30 UTC on 3 March is 21:30 on Monday 2 March in New York.
    JournalTradeFactory(
        user=user, opened_at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC), closed_at=datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    )
    days = api.get(f"{URL}/daily-pnl", **auth).json()
    assert days["time_zone"] == "America/New_York"
    assert [d["date"] for d in days["data"]] == ["2026-03-02"]
    times = api.get(f"{URL}/time-distribution", **auth).json()
    assert [h["hour"] for h in times["by_hour"] if h["trade_count"]] == [21]
    assert [d["weekday"] for d in times["by_weekday"] if d["trade_count"]] == [1]


def test_nothing_to_measure_is_zeros_and_nulls(api, auth):
    body = api.get(f"{URL}/overview", **auth).json()
    assert (body["trade_count"], body["net_pnl"], body["win_rate"], body["max_drawdown"]) == (0, "0", None, "0")
    options = api.get(f"{URL}/filter-options", **auth).json()
    assert options == {
        "symbols": [],
        "sides": [],
        "tags": [],
        "exchange_accounts": [],
        "first_closed_at": None,
        "last_closed_at": None,
    }


def test_another_traders_trades_are_not_counted(api, auth, stranger):
    JournalTradeFactory(user=stranger)
    assert api.get(f"{URL}/overview", **auth).json()["trade_count"] == 0


@pytest.mark.parametrize("name", NAMES)
def test_every_endpoint_refuses_a_bad_filter_and_a_stranger(api, auth, name):
    response = api.get(f"{URL}/{name}?side=up", **auth)
    assert response.status_code == 400
    assert "side" in response.json()["error"]["message"]
    assert api.get(f"{URL}/{name}?page=2", **auth).status_code == 400  # no paging here
    assert api.get(f"{URL}/{name}").status_code == 401


# Per endpoint, after the session is in the auth cache: its statements, plus one for the
# trader's time zone where days or hours are counted.
QUERIES = {
    "overview": 2,
    "equity-curve": 1,
    "daily-pnl": 2,
    "symbol-breakdown": 1,
    "duration-profit": 1,
    "return-distribution": 1,
    "time-distribution": 2,
    "filter-options": 5,
}


@pytest.mark.parametrize("name", NAMES)
def test_each_endpoint_runs_a_fixed_number_of_queries(api, auth, week, django_assert_num_queries, name):
    api.get("/api/v1/auth/me", **auth)
    with django_assert_num_queries(QUERIES[name]):
        assert api.get(f"{URL}/{name}?symbol=BTC_USDT", **auth).status_code == 200


def test_a_long_equity_curve_is_thinned_to_max_points_and_says_so(api, auth, week):
    body = api.get(f"{URL}/equity-curve?max_points=4", **auth).json()
    assert (body["total_points"], body["downsampled"], len(body["data"])) == (4, False, 4)
    # Past max_points: the first and last trade, and the low and high of each of (6 - 2) // 2 runs.
    JournalTradeFactory(user=week[0].user, closed_at=week[-1].closed_at + timedelta(days=1), net_pnl=Decimal("1"))
    body = api.get(f"{URL}/equity-curve?max_points=4", **auth).json()
    assert (body["total_points"], body["downsampled"]) == (5, True)
    assert [p["cumulative_pnl"] for p in body["data"]] == ["100", "-30", "171"]


@pytest.mark.parametrize("value", ["3", "100001", "many", ""])
def test_the_equity_curve_refuses_a_bad_max_points(api, auth, value):
    response = api.get(f"{URL}/equity-curve?max_points={value}", **auth)
    assert response.status_code == 400
    assert "max_points" in response.json()["error"]["message"]


def test_max_points_is_the_equity_curves_alone(api, auth):
    assert api.get(f"{URL}/overview?max_points=10", **auth).status_code == 400
