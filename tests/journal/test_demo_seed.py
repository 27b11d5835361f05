"""`make run`'s demo journal: three months of closed paper trades built from fills by the
journal's own matcher, wins and losses on several symbols, some with a planned stop; the same
after a second run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command

from apps.journal.demo import DAYS, TRADES, demo_trades, seed_demo_journal
from apps.journal.models import JournalEntry, JournalTrade, JournalTradeTag
from apps.trades.models import Fill, TradeGroup
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import ExchangeAccountFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 18, tzinfo=UTC)


def test_it_plans_trades_that_never_overlap_on_one_market():
    trades = demo_trades(now=NOW)
    assert len(trades) == TRADES
    for symbol in {t.symbol for t in trades}:
        mine = sorted((t for t in trades if t.symbol == symbol), key=lambda t: t.opened_at)
        assert all(a.closed_at < b.opened_at for a, b in pairwise(mine))
    for trade in trades:
        assert sum(quantity for _, quantity in trade.exits) == trade.quantity
        assert NOW - timedelta(days=DAYS) <= trade.opened_at < trade.closed_at < NOW


def test_it_gives_the_trader_three_months_of_closed_trades_once():
    trader = UserFactory()
    account = ExchangeAccountFactory(user=trader)
    first = seed_demo_journal(user=trader, account=account, now=NOW)
    assert first.created == TRADES
    trades = JournalTrade.objects.filter(user=trader)
    assert trades.count() == TRADES
    assert trades.filter(net_pnl__gt=0).count() >= TRADES // 3
    assert trades.filter(net_pnl__lt=0).count() >= TRADES // 4
    assert trades.values("symbol").distinct().count() == 3
    assert trades.filter(stop_assumed=False, trade_group__isnull=False).count() >= TRADES // 3
    assert trades.filter(stop_assumed=True).exists()
    assert trades.filter(fees__gt=0).count() == TRADES
    span = max(t.closed_at for t in trades) - min(t.opened_at for t in trades)
    assert span > timedelta(days=80)
    assert JournalTradeTag.objects.filter(trade__user=trader).exists()
    assert JournalEntry.objects.filter(user=trader).count() == 2
    # R is measured from the planned stop: a planned trade's loss is close to -1R at worst.
    planned = trades.filter(stop_assumed=False)
    assert all(Decimal("-1.2") < t.r_multiple < Decimal("3.2") for t in planned)

    counts = (Fill.objects.count(), TradeGroup.objects.count(), JournalTradeTag.objects.count())
    before = set(trades.values_list("id", "net_pnl", "r_multiple", "closed_at"))
    again = seed_demo_journal(user=trader, account=account, now=NOW + timedelta(days=1))
    # (On SQLite the journal's update rewrites unchanged rows, so `updated` is not asserted.)
    assert (again.created, again.deleted) == (0, 0)
    assert set(trades.values_list("id", "net_pnl", "r_multiple", "closed_at")) == before
    assert (Fill.objects.count(), TradeGroup.objects.count(), JournalTradeTag.objects.count()) == counts
    assert JournalEntry.objects.filter(user=trader).count() == 2


def test_the_command_seeds_the_demo_trader_and_refuses_without_debug(settings):
    settings.DEBUG = True
    trader = UserFactory(email="trader@example.com")
    with pytest.raises(CommandError, match="seed_trading_demo"):
        call_command("seed_journal_demo")
    ExchangeAccountFactory(user=trader)
    call_command("seed_journal_demo")
    assert JournalTrade.objects.filter(user=trader).count() == TRADES
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_journal_demo")
