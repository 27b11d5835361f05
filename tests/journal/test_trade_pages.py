"""The journal's trade pages: the table (filters, pagination, empty states) and a trade's page
(notes, tags, screenshots), each only the signed-in trader's."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from apps.accounts.models import Role
from apps.journal.models import JournalImage, JournalTradeTag
from tests.accounts.factories import UserFactory
from tests.accounts.test_pages import signed_in_client
from tests.journal.factories import JournalImageFactory, JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(user) -> Client:
    return signed_in_client(user)[0]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "#2456d6").save(out, format="PNG")
    return SimpleUploadedFile("chart.png", out.getvalue(), content_type="image/png")


def test_it_sends_a_signed_out_visitor_to_sign_in():
    response = Client().get("/journal")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=%2Fjournal")


def test_it_says_how_trades_get_into_an_empty_journal(page):
    response = page.get("/journal")
    assert response.status_code == 200
    assert "No closed trades yet" in response.text
    assert 'href="/trade"' in response.text


def test_it_lists_the_traders_closed_trades_with_their_units(page, user):
    JournalTradeFactory(
        user=user, symbol="ETH_USDT", net_pnl=Decimal("-12.346"), fees=Decimal("0.8"), duration_seconds=8100
    )
    JournalTradeFactory(symbol="SOL_USDT")  # another trader's
    response = page.get("/journal")
    assert response.status_code == 200
    assert "ETH_USDT" in response.text
    assert "SOL_USDT" not in response.text
    assert '-12.35 <span class="unit muted">USDT</span>' in response.text
    assert "2h 15m" in response.text
    assert "+10.00R" in response.text  # the factory's R, with the assumed-stop mark
    assert 'class="assumed"' in response.text


def test_it_filters_the_table_as_the_api_does(page, user):
    JournalTradeFactory(user=user, symbol="BTC_USDT", closed_at=datetime(2026, 3, 2, tzinfo=UTC))
    JournalTradeFactory(user=user, symbol="ETH_USDT", closed_at=datetime(2026, 3, 5, tzinfo=UTC))
    tagged = JournalTradeFactory(user=user, symbol="SOL_USDT", closed_at=datetime(2026, 3, 9, tzinfo=UTC))
    tag = JournalTagFactory(user=user, name="breakout")
    JournalTradeTag.objects.create(trade=tagged, tag=tag)

    by_symbol = page.get("/journal", {"symbol": "eth_usdt", "side": "", "start_date": ""})
    assert "ETH_USDT</a>" in by_symbol.text and "BTC_USDT</a>" not in by_symbol.text
    by_date = page.get("/journal", {"start_date": "2026-03-04", "end_date": "2026-03-06"})
    assert "ETH_USDT</a>" in by_date.text and "SOL_USDT</a>" not in by_date.text
    by_tag = page.get("/journal", {"tag": str(tag.id)})
    assert "SOL_USDT</a>" in by_tag.text and "ETH_USDT</a>" not in by_tag.text
    none = page.get("/journal", {"side": "sell"})
    assert "No closed trade matches these filters" in none.text


def test_it_says_what_is_wrong_with_a_filter_instead_of_failing(page, user):
    JournalTradeFactory(user=user)
    response = page.get("/journal", {"start_date": "yesterday"})
    assert response.status_code == 400
    assert "Closed from: use a date like 2026-03-01." in response.text
    after = page.get("/journal", {"start_date": "2026-03-05", "end_date": "2026-03-01"})
    assert "Closed to: Must be after start_date." in after.text


def test_it_pages_the_table(page, user):
    for _ in range(26):
        JournalTradeFactory(user=user)
    first, second = page.get("/journal"), page.get("/journal", {"page": "2"})
    assert first.text.count("data-trade-id=") == 25
    assert "Page 1 of 2" in first.text
    assert second.text.count("data-trade-id=") == 1


def test_it_shows_a_trade_with_its_chart_data(page, user):
    trade = JournalTradeFactory(user=user, stop_assumed=False, stop_price=Decimal("95"), exit_price=Decimal("110"))
    trade.opening_fill.executed_at = trade.opened_at
    trade.opening_fill.save()
    response = page.get(f"/journal/trades/{trade.id}")
    assert response.status_code == 200
    assert 'id="trade-chart-data"' in response.text
    chart = response.context["chart"]
    assert [(line["kind"], line["price"]) for line in chart["lines"]] == [
        ("entry", "100"),
        ("stop", "95"),
        ("exit", "110"),
    ]
    assert chart["fills"][0]["side"] == "buy"  # the opening fill, inside the trade's life


def test_it_answers_404_for_another_traders_trade_and_its_writes(page, user):
    theirs = JournalTradeFactory()
    assert page.get(f"/journal/trades/{theirs.id}").status_code == 404
    assert page.post(f"/journal/trades/{theirs.id}/notes", {"notes": "mine now"}).status_code == 404
    assert page.post(f"/journal/trades/{theirs.id}/tags", {"name": "x"}).status_code == 404
    their_image = JournalImageFactory(user=theirs.user, trade=theirs)
    mine = JournalTradeFactory(user=user)
    assert page.post(f"/journal/trades/{mine.id}/images/{their_image.id}/delete").status_code == 404
    assert JournalImage.objects.filter(id=their_image.id).exists()
    theirs.refresh_from_db()
    assert theirs.notes == ""
    assert page.get("/journal/trades/00000000-0000-0000-0000-000000000000").status_code == 404


def test_it_saves_notes_and_adds_and_removes_tags(page, user):
    trade = JournalTradeFactory(user=user)
    saved = page.post(f"/journal/trades/{trade.id}/notes", {"notes": "Entered late."}, follow=True)
    assert "Notes saved." in saved.text and "Entered late." in saved.text

    tagged = page.post(f"/journal/trades/{trade.id}/tags", {"name": " Breakout "}, follow=True)
    assert "Tagged Breakout." in tagged.text
    again = page.post(f"/journal/trades/{trade.id}/tags", {"name": "breakout"}, follow=True)
    assert "already carries" in again.text
    [tag] = trade.tags.all()
    removed = page.post(f"/journal/trades/{trade.id}/tags/{tag.id}/remove", follow=True)
    assert "Tag removed." in removed.text
    assert not trade.tags.exists()
    assert page.post(f"/journal/trades/{trade.id}/tags", {"name": "  "}).status_code == 400


def test_it_uploads_shows_and_deletes_a_screenshot(page, user, media):
    trade = JournalTradeFactory(user=user)
    uploaded = page.post(f"/journal/trades/{trade.id}/images", {"image": png()}, follow=True)
    assert "Screenshot added." in uploaded.text
    image = JournalImage.objects.get(trade=trade)
    assert f'src="/api/v1/journal/images/{image.id}"' in uploaded.text

    not_an_image = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")
    refused = page.post(f"/journal/trades/{trade.id}/images", {"image": not_an_image}, follow=True)
    assert refused.status_code == 200
    assert 'class="message error"' in refused.text
    assert JournalImage.objects.filter(trade=trade).count() == 1

    deleted = page.post(f"/journal/trades/{trade.id}/images/{image.id}/delete", follow=True)
    assert "Screenshot deleted." in deleted.text
    assert not JournalImage.objects.filter(trade=trade).exists()


def test_a_viewer_reads_the_journal_but_cannot_write_to_it():
    viewer = UserFactory(role=Role.VIEWER)
    trade = JournalTradeFactory(user=viewer)
    page = signed_in_client(viewer)[0]
    shown = page.get(f"/journal/trades/{trade.id}")
    assert shown.status_code == 200
    assert "Save notes" not in shown.text
    assert page.post(f"/journal/trades/{trade.id}/notes", {"notes": "x"}).status_code == 403
    assert page.post("/journal/entries/new", {"title": "x"}).status_code == 403
