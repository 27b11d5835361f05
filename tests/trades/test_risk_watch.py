"""Account snapshots, `evaluate_ticket` and the daily-drawdown watch, on the paper exchange."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from apps.core.errors import ApiError
from apps.exchanges.models import AccountStatus, PaperBalance, PaperPosition
from apps.exchanges.paper.engine import set_price
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import AccountState, VenueUnavailable
from apps.trades.decision import TakeProfit, Ticket
from apps.trades.models import DailyEquity, GroupStatus, Order, OrderRole, RiskConfig, TradeGroup
from apps.trades.services import risk
from apps.trades.tasks import watch_risk
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

TICKET = Ticket(
    symbol="BTC_USDT",
    side="buy",
    quantity=D("0.1"),
    entry_price=D("50000"),
    stop_loss_price=D("49000"),
    take_profits=(TakeProfit(D("52000"), D("0.1")),),
)


@pytest.fixture
def account(user):
    return FundedPaperAccountFactory(user=user)


def open_group(account, status=GroupStatus.OPEN):
    return TradeGroup.objects.create(
        user=account.user, exchange_account=account, symbol="BTC_USDT", side="buy", quantity=D("1"), status=status
    )


def lose(account, *, percent):
    """Hold one BTC from 50,000 and let the price fall until equity is down `percent` of 100,000."""
    set_price(symbol="BTC_USDT", price=D("50000"))
    PaperPosition.objects.create(account=account, symbol="BTC_USDT", quantity=D("1"), entry_price=D("50000"))
    set_price(symbol="BTC_USDT", price=D("50000") - D("1000") * percent)


def today_row(account):
    return DailyEquity.objects.get(exchange_account=account, day=risk.utc_today())


# --- snapshots and evaluate_ticket -----------------------------------------------------------


def test_the_first_snapshot_of_the_day_records_the_starting_equity(account):
    snapshot = risk.account_snapshot(account=account, venue=venue_for(account), quote="USDT")
    assert snapshot.equity == snapshot.starting_equity == D("100000")
    assert snapshot.open_positions == 0
    assert today_row(account).starting_equity == D("100000")

    lose(account, percent=3)
    later = risk.account_snapshot(account=account, venue=venue_for(account), quote="USDT")
    assert later.equity == D("97000")
    assert later.starting_equity == D("100000")
    assert later.open_positions == 1  # the venue's position
    assert DailyEquity.objects.count() == 1


def test_open_positions_count_the_traders_open_groups_on_the_account(account):
    for status in (GroupStatus.PENDING, GroupStatus.OPEN, GroupStatus.ACTIVE, GroupStatus.CLOSED):
        open_group(account, status)
    open_group(ExchangeAccountFactory(user=account.user))  # another account
    assert risk.account_snapshot(account=account, venue=venue_for(account), quote="USDT").open_positions == 3


def test_evaluate_ticket_applies_the_traders_config(account, user):
    verdict = risk.evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=TICKET)
    assert verdict.approved
    RiskConfig.objects.create(user=user, max_position_size=D("0.05"))
    verdict = risk.evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=TICKET)
    assert [v.rule for v in verdict.violations] == ["position_size"]


def test_evaluate_ticket_refuses_for_the_rest_of_a_breached_day(account, user):
    risk.account_snapshot(account=account, venue=venue_for(account), quote="USDT")
    DailyEquity.objects.update(breached_at=timezone.now())
    verdict = risk.evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=TICKET)
    assert not verdict.approved
    assert [v.rule for v in verdict.violations] == ["daily_drawdown"]
    assert "refused until the next UTC day" in verdict.violations[0].message


def test_evaluate_ticket_rejects_an_inconsistent_ticket_with_a_400(account, user):
    bad = Ticket(symbol="BTC_USDT", side="buy", quantity=D("1"), entry_price=D("50000"), stop_loss_price=D("51000"))
    with pytest.raises(ApiError) as caught:
        risk.evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=bad)
    assert caught.value.status_code == 400
    assert "stop_loss_price" in str(caught.value.detail)


def test_evaluate_ticket_refuses_another_traders_account(account):
    other = ExchangeAccountFactory()
    with pytest.raises(ApiError) as caught:
        risk.evaluate_ticket(user=other.user, account=account, venue=venue_for(account), ticket=TICKET)
    assert caught.value.status_code == 404


# --- the watch -------------------------------------------------------------------------------


def test_the_watch_flags_a_breach_and_tells_the_trader(account, user, monkeypatch, django_capture_on_commit_callbacks):
    open_group(account)
    risk.watch_daily_drawdown()
    assert today_row(account).breached_at is None

    published = []
    monkeypatch.setattr(risk, "publish_on_commit", lambda stream, data: published.append((stream, data)))
    lose(account, percent=6)
    with django_capture_on_commit_callbacks(execute=True):
        watch_risk()
    assert today_row(account).breached_at is not None
    assert published == [
        (
            f"balance.{user.pk}",
            {
                "e": "drawdown_breached",
                "account_id": str(account.pk),
                "equity": D("94000"),
                "starting_equity": D("100000"),
                "drawdown_percent": "6.00",
                "limit_percent": D("5.0"),
                "breached_at": today_row(account).breached_at,
            },
        )
    ]
    risk.watch_daily_drawdown()  # flagged once
    assert len(published) == 1


def test_the_watch_uses_the_traders_own_limit(account, user):
    RiskConfig.objects.create(user=user, daily_max_drawdown_percent=D("10"))
    open_group(account)
    risk.watch_daily_drawdown()
    lose(account, percent=6)
    risk.watch_daily_drawdown()
    assert today_row(account).breached_at is None


def test_a_new_day_starts_from_the_current_equity(account, user):
    open_group(account)
    yesterday = risk.utc_today() - timedelta(days=1)
    DailyEquity.objects.create(
        exchange_account=account, day=yesterday, starting_equity=D("200000"), breached_at=timezone.now()
    )
    risk.watch_daily_drawdown()
    row = today_row(account)
    assert (row.starting_equity, row.breached_at) == (D("100000"), None)
    assert risk.evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=TICKET).approved


def test_the_watch_skips_an_account_whose_venue_fails(account, monkeypatch, caplog):
    broken = ExchangeAccountFactory()
    open_group(broken)
    open_group(account)
    real = risk.venue_for

    class Down:
        def account_state(self, *, quote):
            raise VenueUnavailable("binance is down")

    monkeypatch.setattr(risk, "venue_for", lambda acc: Down() if acc.pk == broken.pk else real(acc))
    with caplog.at_level(logging.WARNING, logger="apps.trades.services.risk"):
        risk.watch_daily_drawdown()
    assert today_row(account).starting_equity == D("100000")
    assert not DailyEquity.objects.filter(exchange_account=broken).exists()
    assert f"account {broken.pk} skipped: binance is down" in caplog.text


def test_an_unexpected_error_is_logged_without_its_message(account, monkeypatch, caplog):
    open_group(account)

    class Broken:
        def account_state(self, *, quote):
            raise RuntimeError("https://api.example/?signature=secret")

    monkeypatch.setattr(risk, "venue_for", lambda acc: Broken())
    with caplog.at_level(logging.WARNING, logger="apps.trades.services.risk"):
        risk.watch_daily_drawdown()
    assert "RuntimeError" in caplog.text
    assert "secret" not in caplog.text


def test_the_watch_only_visits_active_accounts_in_use(user, monkeypatch):
    idle = ExchangeAccountFactory(user=user)
    removed = ExchangeAccountFactory(user=user, status=AccountStatus.REMOVED)
    open_group(removed)
    closed_long_ago = ExchangeAccountFactory(user=user)
    TradeGroup.objects.filter(pk=open_group(closed_long_ago, GroupStatus.CLOSED).pk).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    with_group = ExchangeAccountFactory(user=user)
    open_group(with_group, GroupStatus.CLOSED)
    with_order = ExchangeAccountFactory(user=user)
    Order.objects.create(
        user=user,
        exchange_account=with_order,
        role=OrderRole.STANDALONE,
        symbol="BTC_USDT",
        side="buy",
        order_type="limit",
        quantity=D("1"),
        client_order_id="c-1",
    )
    seen = []

    class Flat:
        def account_state(self, *, quote):
            return AccountState(equity=D("10"))

    monkeypatch.setattr(risk, "venue_for", lambda acc: seen.append(acc.pk) or Flat())
    risk.watch_daily_drawdown()
    assert set(seen) == {with_group.pk, with_order.pk}
    assert idle.pk not in seen


def test_a_paper_account_without_funds_has_no_drawdown_to_breach(user):
    account = ExchangeAccountFactory(user=user)
    open_group(account)
    risk.watch_daily_drawdown()
    assert today_row(account).starting_equity == 0
    assert today_row(account).breached_at is None
    assert not PaperBalance.objects.filter(account=account).exists()


def test_the_watch_measures_equity_in_the_quote_the_account_trades(account):
    group = open_group(account)
    TradeGroup.objects.filter(pk=group.pk).update(symbol="ETH_USDC")
    risk.watch_daily_drawdown()
    PaperBalance.objects.filter(account=account, asset="USDC").update(total=D("90000"))
    risk.watch_daily_drawdown()
    row = today_row(account)
    assert row.starting_equity == D("100000")
    assert row.breached_at is not None  # USDC is down 10%, USDT untouched


def test_each_quote_asset_has_its_own_starting_equity(account, user):
    risk.evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=TICKET)
    risk.evaluate_ticket(
        user=user, account=account, venue=venue_for(account), ticket=replace(TICKET, symbol="ETH_USDC")
    )

    rows = DailyEquity.objects.filter(exchange_account=account, day=risk.utc_today()).order_by("quote")
    assert [(row.quote, row.starting_equity) for row in rows] == [("USDC", D("100000")), ("USDT", D("100000"))]
