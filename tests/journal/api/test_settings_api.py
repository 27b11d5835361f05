"""GET/PATCH /api/v1/journal/settings: the default stop distance and the time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.journal.models import COMPUTED_FIELDS, JournalSettings, JournalTrade
from apps.journal.services.updates import rebuild_journal, update_journal_series
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.factories import JournalTradeFactory
from tests.trades.factories import FillFactory, OrderFactory, TradeGroupFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/settings"
D = Decimal


def test_a_trader_who_never_changed_them_has_the_defaults(api, user, auth):
    response = api.get(URL, **auth)
    assert response.status_code == 200
    assert response.json() == {"default_stop_percent": "1", "time_zone": "UTC"}
    assert not JournalSettings.objects.filter(user=user).exists()


def test_the_time_zone_moves_the_days_of_the_daily_pnl(api, user, auth):
    JournalTradeFactory(user=user, closed_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    response = api.patch(URL, {"time_zone": "Europe/Berlin"}, format="json", **auth)
    assert response.status_code == 200
    assert response.json() == {"default_stop_percent": "1", "time_zone": "Europe/Berlin"}

    days = api.get("/api/v1/journal/analytics/daily-pnl", **auth).json()
    assert days["time_zone"] == "Europe/Berlin"
    assert [d["date"] for d in days["data"]] == ["2026-03-03"]
    assert api.get(URL, **auth).json()["time_zone"] == "Europe/Berlin"


def _snapshot(user) -> list[tuple]:
    rows = JournalTrade.objects.filter(user=user).order_by("opened_at")
    return [tuple(getattr(t, name) for name in ("id", *COMPUTED_FIELDS)) for t in rows]


def test_a_new_default_stop_measures_the_assumed_trades_again_and_only_them(api, user, auth):
    account = ExchangeAccountFactory(user=user)
    # A trade with no stop planned: long 2 at 100, out at 110, 0.42 fees.
    FillFactory(user=user, exchange_account=account, side="buy", price=D("100"), quantity=D("2"), fee=D("0.2"))
    FillFactory(user=user, exchange_account=account, side="sell", price=D("110"), quantity=D("2"), fee=D("0.22"))
    # A trade whose group planned its stop (risk 500 on 0.5: 1000 a unit).
    group = TradeGroupFactory(user=user, exchange_account=account)
    order = OrderFactory(user=user, exchange_account=account, group=group, role="ENTRY")
    FillFactory(user=user, exchange_account=account, order=order, price=D("50000"), quantity=D("0.5"))
    FillFactory(user=user, exchange_account=account, side="sell", price=D("51000"), quantity=D("0.5"))
    update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")
    assumed, planned = JournalTrade.objects.filter(user=user).order_by("opened_at")
    assert assumed.r_multiple == D("9.79")

    response = api.patch(URL, {"default_stop_percent": "2.5"}, format="json", **auth)
    assert response.status_code == 200
    assert response.json() == {"default_stop_percent": "2.5", "time_zone": "UTC"}

    assumed.refresh_from_db()
    # 2.5% of 100 is 2.5 a unit, 5 for two: 19.58 / 5.
    assert (assumed.stop_price, assumed.risk_amount, assumed.r_multiple) == (D("97.5"), D("5"), D("3.916"))
    assert assumed.stop_assumed
    planned_after = JournalTrade.objects.get(id=planned.id)
    assert (planned_after.r_multiple, planned_after.updated_at) == (D("1"), planned.updated_at)
    # What a rebuild would write, to the last digit.
    before = _snapshot(user)
    rebuild_journal(user_id=user.id)
    assert _snapshot(user) == before


def test_an_empty_patch_changes_nothing(api, user, auth):
    response = api.patch(URL, {}, format="json", **auth)
    assert response.status_code == 200
    assert response.json() == {"default_stop_percent": "1", "time_zone": "UTC"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"default_stop_percent": "0"}, "default_stop_percent"),
        ({"default_stop_percent": "100"}, "default_stop_percent"),
        ({"default_stop_percent": "-1"}, "default_stop_percent"),
        ({"default_stop_percent": "0.00001"}, "default_stop_percent"),
        ({"default_stop_percent": 2}, "default_stop_percent"),
        ({"default_stop_percent": "1e1"}, "default_stop_percent"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "europe/berlin"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"timezone": "UTC"}, "timezone"),
    ],
)
def test_a_bad_value_is_a_400_naming_it_and_nothing_changes(api, user, auth, body, field):
    JournalSettings.objects.create(user=user, default_stop_percent=D("2"), time_zone="Asia/Tokyo")
    response = api.patch(URL, {**body, "time_zone": body.get("time_zone", "UTC")}, format="json", **auth)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]
    found = JournalSettings.objects.get(user=user)
    assert (found.default_stop_percent, found.time_zone) == (D("2"), "Asia/Tokyo")


def test_the_largest_and_smallest_stops_are_taken(api, auth):
    assert api.patch(URL, {"default_stop_percent": "99.9999"}, format="json", **auth).status_code == 200
    assert api.patch(URL, {"default_stop_percent": "0.0001"}, format="json", **auth).json()["default_stop_percent"] == (
        "0.0001"
    )


def test_it_needs_a_signed_in_trader(api):
    assert api.get(URL).status_code == 401
    assert api.patch(URL, {}, format="json").status_code == 401
