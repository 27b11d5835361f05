"""The presenters write what the serializers (the OpenAPI schema) document: the same keys in
the same order, the same values, for a trade with every optional part set and one with none."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.renderers import JSONRenderer

from apps.journal.data_serializers import JournalSettingsOutput
from apps.journal.models import JournalSettings, JournalTradeTag
from apps.journal.presenters import (
    present_entry,
    present_image,
    present_settings,
    present_storage,
    present_tag,
    present_trade,
    present_trade_detail,
)
from apps.journal.selectors import TradeFilters, journal_tags, journal_trade, journal_trades, storage_usage
from apps.journal.serializers import (
    EntryOutput,
    ImageOutput,
    JournalTradeDetailOutput,
    JournalTradeOutput,
    StorageOutput,
    TagOutput,
)
from tests.journal.factories import JournalEntryFactory, JournalImageFactory, JournalTagFactory, JournalTradeFactory
from tests.trades.factories import TradeGroupFactory

pytestmark = pytest.mark.django_db


def as_text(data) -> str:
    """JSON text with the keys in their order, so a reordered object differs."""
    return json.dumps(json.loads(JSONRenderer().render(data)))


@pytest.fixture
def trades(user):
    # The ORM reads a NUMERIC on SQLite through a float: there, values a float holds exactly;
    # all 18 places on PostgreSQL.
    exact = connection.vendor == "postgresql"
    places = "345678901234567891" if exact else "375"  # binary-exact on SQLite
    full = JournalTradeFactory(
        user=user,
        trade_group=TradeGroupFactory(user=user),
        side="sell",
        net_pnl=Decimal(f"-12.{places}"),
        gross_pnl=Decimal("-12"),
        fees=Decimal(f"0.{places}"),
        r_multiple=Decimal("-0.5"),
        stop_assumed=False,
        fees_complete=False,
        mae=Decimal("3.5"),
        mfe=Decimal("0.25"),
        notes="Ünïcode ✓ notes",
    )
    for name in ("b", "a"):
        JournalTradeTag.objects.create(trade=full, tag=JournalTagFactory(user=user, name=name))
    JournalImageFactory.create_batch(2, user=user, trade=full)
    bare = JournalTradeFactory(
        user=user,
        exchange_account=None,
        stop_price=None,
        risk_amount=None,
        r_multiple=None,
        quantity=Decimal("1E-18" if exact else "0.5"),
    )
    return [full, bare]


def test_trades_of_the_list_match_their_serializer(user, trades):
    rows = journal_trades(user=user, filters=TradeFilters())[0:20]
    by_id = {str(trade.id): trade for trade in trades}
    for row in rows:
        trade = by_id[present_trade(row)["id"]]
        assert as_text(present_trade(row)) == as_text(JournalTradeOutput(trade).data)


def as_documented(image) -> SimpleNamespace:
    """An image with the attributes ImageOutput reads (the model names `size` `size_bytes` and
    has no `url`)."""
    return SimpleNamespace(
        id=image.id,
        trade_id=image.trade_id,
        url=f"/api/v1/journal/images/{image.id}",
        content_type=image.content_type,
        size=image.size_bytes,
        width=image.width,
        height=image.height,
        created_at=image.created_at,
    )


class WithImages:
    """A trade as the detail's serializer reads it, its images included."""

    def __init__(self, trade) -> None:
        self.trade = trade
        self.images = [as_documented(image) for image in trade.images.order_by("created_at", "id")]

    def __getattr__(self, name: str):
        return getattr(self.trade, name)


def test_the_trade_detail_matches_its_serializer(user, trades):
    image_counts = []
    for trade in trades:
        presented = present_trade_detail(journal_trade(user=user, trade_id=trade.id))
        assert as_text(presented) == as_text(JournalTradeDetailOutput(WithImages(trade)).data)
        image_counts.append(len(presented["images"]))
    assert image_counts == [2, 0]


def test_images_and_storage_match_their_serializers(user, trades):
    for image in trades[0].images.all():
        assert as_text(present_image(image)) == as_text(ImageOutput(as_documented(image)).data)
    usage = storage_usage(user=user)
    documented = SimpleNamespace(used=usage.used_bytes, quota=10, count=usage.image_count)
    assert as_text(present_storage(usage, quota=10)) == as_text(StorageOutput(documented).data)


def test_tags_and_entries_match_their_serializers(user, trades):
    for tag in journal_tags(user=user):
        assert as_text(present_tag(tag)) == as_text(TagOutput(tag).data)
    entry = JournalEntryFactory(user=user)
    assert as_text(present_entry(entry)) == as_text(EntryOutput(entry).data)


def test_settings_match_their_serializer(user):
    found = JournalSettings.objects.create(user=user, default_stop_percent=Decimal("2.5"), time_zone="Europe/Berlin")
    found.refresh_from_db()  # as the column holds it: 2.5000
    assert as_text(present_settings(found)) == as_text(JournalSettingsOutput(found).data)
    assert present_settings(found)["default_stop_percent"] == "2.5"
