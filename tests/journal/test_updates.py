"""The journal follows the fills: updated after they commit, rebuilt identically."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.exchanges.paper.engine import set_price
from apps.journal.models import COMPUTED_FIELDS, JournalSettings, JournalTag, JournalTrade, JournalTradeTag
from apps.journal.services.updates import rebuild_journal, update_journal_series
from apps.trades.execution import submit_order
from apps.trades.hooks import fills_recorded
from apps.trades.models import Fill
from apps.trades.services.imports import run_history_import, start_history_import
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory
from tests.trades.factories import FillFactory, OrderFactory, TradeGroupFactory
from tests.trades.test_history_import import trade

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def account(user):
    return ExchangeAccountFactory(user=user)


def update(account, symbol="BTC_USDT"):
    return update_journal_series(user_id=account.user_id, exchange_account_id=account.id, symbol=symbol)


def snapshot(user) -> list[tuple]:
    rows = JournalTrade.objects.filter(user=user).order_by("opened_at", "opening_fill_id")
    return [tuple(getattr(t, name) for name in ("opening_fill_id", *COMPUTED_FIELDS)) for t in rows]


def test_it_writes_a_closed_round_trip_with_its_numbers(user, account):
    FillFactory(user=user, exchange_account=account, side="buy", price=D("100"), quantity=D("2"), fee=D("0.2"))
    FillFactory(user=user, exchange_account=account, side="sell", price=D("110"), quantity=D("2"), fee=D("0.22"))
    assert update(account).created == 1

    trade = JournalTrade.objects.get(user=user)
    assert (trade.side, trade.quantity, trade.entry_price, trade.exit_price) == ("buy", 2, 100, 110)
    assert (trade.gross_pnl, trade.fees, trade.net_pnl) == (D("20"), D("0.42"), D("19.58"))
    assert trade.duration_seconds == 60
    assert trade.exchange_account == account and trade.venue == "paper"
    # No stop planned: R against the default 1% (1 per unit, 2 units), marked so.
    assert (trade.stop_price, trade.risk_amount, trade.r_multiple, trade.stop_assumed) == (
        D("99"),
        D("2"),
        D("9.79"),
        True,
    )
    assert trade.mae is None and trade.mfe is None


def test_r_comes_from_the_stop_the_trade_group_planned(user, account):
    group = TradeGroupFactory(user=user, exchange_account=account)  # 0.5 at 50000, risk 500
    order = OrderFactory(user=user, exchange_account=account, group=group, role="ENTRY")
    FillFactory(user=user, exchange_account=account, order=order, price=D("50000"), quantity=D("0.5"))
    FillFactory(user=user, exchange_account=account, side="sell", price=D("51000"), quantity=D("0.5"))
    update(account)

    trade = JournalTrade.objects.get(user=user)
    assert trade.trade_group == group
    assert (trade.stop_price, trade.r_multiple, trade.stop_assumed) == (D("49000"), D("1"), False)


def test_the_traders_own_default_stop_distance_is_used(user, account):
    JournalSettings.objects.create(user=user, default_stop_percent=D("5"))
    FillFactory(user=user, exchange_account=account, side="buy", price=D("100"), quantity=D("1"))
    FillFactory(user=user, exchange_account=account, side="sell", price=D("110"), quantity=D("1"))
    update(account)
    assert JournalTrade.objects.get(user=user).r_multiple == 2


def test_later_fills_change_the_trade_but_keep_its_notes_and_tags(user, account):
    FillFactory(user=user, exchange_account=account, side="buy", quantity=D("1"))
    FillFactory(user=user, exchange_account=account, side="sell", quantity=D("1"), price=D("120"))
    update(account)
    trade = JournalTrade.objects.get(user=user)
    JournalTrade.objects.filter(id=trade.id).update(notes="chased the breakout")
    JournalTradeTag.objects.create(trade=trade, tag=JournalTag.objects.create(user=user, name="breakout"))

    # An import brings an earlier fill of the same position: the trip grows, the row stays.
    first = Fill.objects.order_by("executed_at").first()
    FillFactory(
        user=user,
        exchange_account=account,
        side="buy",
        quantity=D("1"),
        executed_at=first.executed_at,
        venue_trade_id="0",
    )
    FillFactory(user=user, exchange_account=account, side="sell", quantity=D("1"), price=D("120"))
    result = update(account)
    assert (result.created, result.updated, result.deleted) == (0, 1, 0)

    again = JournalTrade.objects.get(user=user)
    assert again.id == trade.id and again.quantity == 2 and again.gross_pnl == 40
    assert again.notes == "chased the breakout"
    assert list(again.tags.values_list("name", flat=True)) == ["breakout"]


def test_an_unchanged_series_is_not_written_again(user, account):
    FillFactory(user=user, exchange_account=account, side="buy")
    FillFactory(user=user, exchange_account=account, side="sell")
    update(account)
    before = JournalTrade.objects.get(user=user).updated_at
    assert update(account) == type(update(account))(0, 0, 0)
    assert JournalTrade.objects.get(user=user).updated_at == before


def test_series_are_per_account_and_symbol(user, account):
    other = ExchangeAccountFactory(user=user)
    FillFactory(user=user, exchange_account=account, side="buy")
    FillFactory(user=user, exchange_account=other, side="sell")  # not a close of the first
    FillFactory(user=user, exchange_account=account, symbol="ETH_USDT", side="sell")
    rebuild_journal()
    assert JournalTrade.objects.count() == 0


def test_new_fills_update_the_journal_once_they_commit(user, account, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        FillFactory(user=user, exchange_account=account, side="buy")
        FillFactory(user=user, exchange_account=account, side="sell")
        fills_recorded(user_id=user.id, exchange_account_id=account.id, symbols=["BTC_USDT"])
        assert not JournalTrade.objects.exists()  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):  # the commit: hooks run, the task is sent
        for callback in callbacks:
            callback()
    assert JournalTrade.objects.filter(user=user).count() == 1


def test_the_order_sync_puts_its_fills_in_the_journal(user, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    account = FundedPaperAccountFactory(user=user)
    set_price(symbol="BTC_USDT", price=D("50000"))
    with django_capture_on_commit_callbacks(execute=True):
        for side in ("buy", "sell"):
            order = OrderFactory(user=user, exchange_account=account, side=side, order_type="market", price=None)
            submit_order(order_id=order.id)

    trade = JournalTrade.objects.get(user=user)
    assert (trade.side, trade.quantity, trade.entry_price, trade.exit_price) == ("buy", D("0.1"), 50000, 50000)
    assert trade.net_pnl == -trade.fees


def test_a_history_import_puts_its_fills_in_the_journal_as_a_rebuild_would(
    user, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    account = FundedPaperAccountFactory(user=user)
    trade(account, "BTC_USDT", 7)  # three round trips and one open buy
    trade(account, "ETH_USDT", 4)
    with django_capture_on_commit_callbacks(execute=True):
        run_history_import(import_id=start_history_import(user=user, account=account).id)

    assert JournalTrade.objects.filter(user=user, symbol="BTC_USDT").count() == 3
    assert JournalTrade.objects.filter(user=user, symbol="ETH_USDT").count() == 2
    built = snapshot(user)

    call_command("rebuild_journal")
    assert snapshot(user) == built

    JournalTrade.objects.all().delete()
    call_command("rebuild_journal", user=str(user.id))
    assert snapshot(user) == built
