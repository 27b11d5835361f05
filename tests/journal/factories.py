from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from apps.journal.models import JournalEntry, JournalImage, JournalTag, JournalTrade
from apps.journal.services.curve import refresh_equity_curve
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import ExchangeAccountFactory
from tests.trades.factories import FillFactory


class JournalTradeFactory(factory.django.DjangoModelFactory):
    """A closed long of 1 BTC from 100 to 110, no fees, R against the default 1% stop; its
    opening fill is made with it (the journal's numbers are the matcher's job, not this one's)."""

    class Meta:
        model = JournalTrade
        skip_postgeneration_save = True  # a second save would write the stale curve columns back

    user = factory.SubFactory(UserFactory)
    exchange_account = factory.SubFactory(ExchangeAccountFactory, user=factory.SelfAttribute("..user"))
    opening_fill = factory.SubFactory(
        FillFactory, user=factory.SelfAttribute("..user"), exchange_account=factory.SelfAttribute("..exchange_account")
    )
    venue = "paper"
    symbol = "BTC_USDT"
    side = "buy"
    quantity = Decimal("1")
    entry_price = Decimal("100")
    exit_price = Decimal("110")
    fees = Decimal("0")
    gross_pnl = Decimal("10")
    net_pnl = Decimal("10")
    stop_price = Decimal("99")
    risk_amount = Decimal("1")
    r_multiple = Decimal("10")
    stop_assumed = True
    opened_at = factory.Sequence(lambda n: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n))
    closed_at = factory.LazyAttribute(lambda t: t.opened_at + timedelta(minutes=30))
    duration_seconds = 1800
    fill_count = 2

    @factory.post_generation
    def equity_curve(trade, create, extracted, **kwargs):
        # As the journal's one writer does: the stored curve follows every trade written.
        if create:
            refresh_equity_curve(user_id=trade.user_id, since=trade.closed_at)


class JournalTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JournalTag

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag {n}")
    color = "#22aa88"


class JournalEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JournalEntry

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Week {n}")
    content = "**Sized down** after two losses."


class JournalImageFactory(factory.django.DjangoModelFactory):
    """An image row for reads (no file behind it: uploads go through the API's tests)."""

    class Meta:
        model = JournalImage

    user = factory.SubFactory(UserFactory)
    trade = None
    file = factory.Sequence(lambda n: f"journal/test/{n}.png")
    content_type = "image/png"
    size_bytes = 1234
    width = 640
    height = 480
