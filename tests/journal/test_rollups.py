"""The rollups the unfiltered analytics read (apps/journal/services/rollups.py) stay what summing
every trade again gives, whatever the writers do: fills of several months arriving in any order,
an older history imported late, a new default stop that changes only R, a new time zone; and the
unfiltered answers equal the same questions asked of the trades themselves."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.journal.api.analytics import ENDPOINTS
from apps.journal.models import JournalRollup, JournalSettings
from apps.journal.services.journal_settings import update_journal_settings
from apps.journal.services.rollups import refresh_rollups
from apps.journal.services.updates import update_journal_series
from apps.trades.models import Fill
from tests.accounts.factories import sign_in
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.factories import JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime(2026, 1, 30, 22, tzinfo=UTC)  # a day from the end of a month: trips cross it
URL = "/api/v1/journal/analytics"
# A filter that selects every trade: the same question, answered from the trades.
EVERY_TRADE = {"start_date": "2000-01-01"}


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("Rollups are kept on PostgreSQL; SQLite answers from the trades.")


def rollups(user) -> list[tuple]:
    fields = [f.name for f in JournalRollup._meta.fields if f.name not in ("id", "user")]
    return sorted(JournalRollup.objects.filter(user=user).values_list(*fields), key=str)


def assert_fresh(user) -> None:
    """The rollups kept so far are exactly what summing every trade again writes."""
    kept = rollups(user)
    refresh_rollups(user_id=user.id)
    assert kept == rollups(user)
    assert kept, "no rollup was written"


fill_rows = st.fixed_dictionaries(
    {
        "side": st.sampled_from(["buy", "sell"]),
        "quantity": st.sampled_from([D("1"), D("2"), D("0.5")]),
        "price": st.sampled_from([D("100"), D("101.5"), D("99.25")]),
        "fee": st.sampled_from([D("0"), D("0.1")]),
        # Hours after START: up to two months, so trades land in three.
        "hours": st.integers(0, 24 * 60),
        "batch": st.integers(0, 2),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(fill_rows, min_size=2, max_size=24), seed=st.integers(0, 2**32))
def test_rollups_follow_fills_of_several_months_arriving_in_any_order(user, rows, seed):
    account = ExchangeAccountFactory(user=user)
    fills = [
        Fill(user_id=user.id, exchange_account=account, venue="paper", venue_trade_id=str(number), symbol="BTC_USDT",
             side=row["side"], price=row["price"], quantity=row["quantity"], fee=row["fee"], fee_asset="USDT",
             executed_at=START + timedelta(hours=row["hours"], seconds=number))
        for number, row in enumerate(rows)
    ]  # fmt: skip
    with transaction.atomic():
        for batch in range(3):
            arriving = [fill for fill, row in zip(fills, rows, strict=True) if row["batch"] == batch]
            random.Random(seed).shuffle(arriving)
            Fill.objects.bulk_create(arriving)
            update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")
            if JournalRollup.objects.filter(user=user).exists() or batch == 2:
                kept = rollups(user)
                refresh_rollups(user_id=user.id)
                assert kept == rollups(user)
        transaction.set_rollback(True)


def round_trip(user, account, at: datetime, sell_price: str) -> None:
    for side, price, minutes in (("buy", "100", 0), ("sell", sell_price, 90)):
        Fill.objects.create(
            user=user, exchange_account=account, venue="paper", venue_trade_id=f"{at.isoformat()}{side}",
            symbol="BTC_USDT", side=side, price=D(price), quantity=D(1), fee=0, fee_asset="USDT",
            executed_at=at + timedelta(minutes=minutes),
        )  # fmt: skip
    update_journal_series(user_id=user.id, exchange_account_id=account.id, symbol="BTC_USDT")


def test_an_older_trade_imported_later_is_counted_in_its_own_month_and_the_overview(api, user, auth):
    account = ExchangeAccountFactory(user=user)
    round_trip(user, account, datetime(2026, 3, 10, tzinfo=UTC), "110")  # +10
    round_trip(user, account, datetime(2026, 3, 11, tzinfo=UTC), "95")  # -5

    round_trip(user, account, datetime(2026, 1, 5, tzinfo=UTC), "80")  # -20, two months earlier, delivered last

    assert_fresh(user)
    overview = api.get(f"{URL}/overview", **auth).json()
    assert (overview["trade_count"], overview["net_pnl"], overview["max_drawdown"]) == (3, "-15", "20")
    days = api.get(f"{URL}/daily-pnl", **auth).json()["data"]
    assert [(d["date"], d["net_pnl"]) for d in days] == [
        ("2026-01-05", "-20"),
        ("2026-03-10", "10"),
        ("2026-03-11", "-5"),
    ]


def test_a_new_default_stop_moves_trades_between_r_buckets(api, user, auth):
    account = ExchangeAccountFactory(user=user)
    round_trip(user, account, datetime(2026, 3, 10, tzinfo=UTC), "102")  # +2 on 100: 2R at the default 1% stop
    before = api.get(f"{URL}/return-distribution", **auth).json()

    update_journal_settings(user=user, default_stop_percent=D("4"))  # now 0.5R

    after = api.get(f"{URL}/return-distribution", **auth).json()
    assert after != before
    assert after == api.get(f"{URL}/return-distribution", EVERY_TRADE, **auth).json()
    assert_fresh(user)


def test_a_new_time_zone_moves_the_days_and_hours(api, user, auth):
    # Closed at 23:30 UTC on 31 January (its rollup's UTC day): 1 February in Berlin.
    JournalTradeFactory(user=user, opened_at=datetime(2026, 1, 31, 22, tzinfo=UTC),
                        closed_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))  # fmt: skip
    assert [d["date"] for d in api.get(f"{URL}/daily-pnl", **auth).json()["data"]] == ["2026-01-31"]

    update_journal_settings(user=user, time_zone="Europe/Berlin")

    assert [d["date"] for d in api.get(f"{URL}/daily-pnl", **auth).json()["data"]] == ["2026-02-01"]
    hours = api.get(f"{URL}/time-distribution", **auth).json()["by_hour"]
    assert [h["hour"] for h in hours if h["trade_count"]] == [23]
    assert_fresh(user)


def test_an_admin_changing_the_time_zone_moves_the_days_too(client, admin_user, api, user, auth):
    JournalTradeFactory(user=user, opened_at=datetime(2026, 1, 31, 22, tzinfo=UTC),
                        closed_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))  # fmt: skip
    client.cookies["auth_token"] = sign_in(admin_user).access_token
    settings_row = JournalSettings.objects.create(user=user)  # UTC

    response = client.post(
        f"/admin/journal/journalsettings/{settings_row.pk}/change/",
        {"user": str(user.pk), "default_stop_percent": "1", "time_zone": "Europe/Berlin"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert [d["date"] for d in api.get(f"{URL}/daily-pnl", **auth).json()["data"]] == ["2026-02-01"]
    assert_fresh(user)


@pytest.mark.parametrize("name", [name for name, *_ in ENDPOINTS if name != "equity-curve"])
def test_the_unfiltered_answer_is_the_same_question_asked_of_every_trade(api, user, auth, name):
    update_journal_settings(user=user, time_zone="Asia/Kolkata")
    rng = random.Random(7)
    accounts = [ExchangeAccountFactory(user=user), ExchangeAccountFactory(user=user)]
    tag = JournalTagFactory(user=user)
    for number in range(40):
        closed_at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(24 * 100))
        held = timedelta(seconds=rng.choice([30, 400, 5000, 90000, 700000]))
        pnl = D(rng.randrange(-5000, 5000)) / 100
        trade = JournalTradeFactory(
            user=user, exchange_account=accounts[number % 2], symbol=rng.choice(["BTC_USDT", "ETH_USDT"]),
            side=rng.choice(["buy", "sell"]), gross_pnl=pnl + 1, fees=D(1), net_pnl=pnl,
            r_multiple=None if number % 9 == 0 else pnl / 10, opened_at=closed_at - held, closed_at=closed_at,
            duration_seconds=int(held.total_seconds()),
        )  # fmt: skip
        if number % 3 == 0:
            trade.tags.add(tag)

    unfiltered = api.get(f"{URL}/{name}", **auth)
    from_trades = api.get(f"{URL}/{name}", EVERY_TRADE, **auth)

    assert unfiltered.status_code == from_trades.status_code == 200
    assert unfiltered.json() == from_trades.json()
    assert_fresh(user)
