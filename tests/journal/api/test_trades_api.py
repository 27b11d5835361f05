"""GET /api/v1/journal/trades and /trades/{id}; notes and tags on a trade."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.accounts.models import Role
from apps.journal.models import JournalTag, JournalTradeTag
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.factories import JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/trades"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [trade["id"] for trade in response.json()["data"]]


def test_it_lists_the_traders_closed_trades_last_closed_first(api, user, auth, stranger):
    older = JournalTradeFactory(user=user, closed_at=datetime(2026, 1, 1, 10, tzinfo=UTC))
    newer = JournalTradeFactory(user=user, closed_at=datetime(2026, 1, 2, 10, tzinfo=UTC), net_pnl=Decimal("-1.5"))
    JournalTradeFactory(user=stranger)

    body = api.get(URL, **auth).json()
    assert [t["id"] for t in body["data"]] == [str(newer.id), str(older.id)]
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 2}
    first = body["data"][0]
    assert first["net_pnl"] == "-1.5"
    assert first["entry_price"] == "100" and first["closed_at"] == "2026-01-02T10:00:00Z"
    assert first["stop_assumed"] is True and first["tags"] == [] and first["mae"] is None


def test_it_pages(api, user, auth):
    for _ in range(3):
        JournalTradeFactory(user=user)
    body = api.get(f"{URL}?page=2&limit=2", **auth).json()
    assert len(body["data"]) == 1
    assert body["pagination"] == {"page": 2, "limit": 2, "total": 3}


def test_it_filters_by_date_symbol_side_tag_and_account(api, user, auth):
    account = ExchangeAccountFactory(user=user)
    jan = JournalTradeFactory(user=user, closed_at=datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    feb = JournalTradeFactory(user=user, closed_at=datetime(2026, 2, 1, 0, 0, tzinfo=UTC), symbol="ETH_USDT")
    short = JournalTradeFactory(
        user=user, side="sell", exchange_account=account, closed_at=datetime(2026, 1, 15, tzinfo=UTC)
    )
    tag = JournalTagFactory(user=user)
    JournalTradeTag.objects.create(trade=feb, tag=tag)

    # A day ends at midnight UTC: the 31st includes 23:59.
    assert ids(api.get(f"{URL}?start_date=2026-01-01&end_date=2026-01-31", **auth)) == [str(jan.id), str(short.id)]
    assert ids(api.get(f"{URL}?start_date=2026-02-01T00:00:00Z&end_date=2026-02-02", **auth)) == [str(feb.id)]
    assert ids(api.get(f"{URL}?symbol=eth_usdt", **auth)) == [str(feb.id)]
    assert ids(api.get(f"{URL}?side=sell", **auth)) == [str(short.id)]
    assert ids(api.get(f"{URL}?tag={tag.id}", **auth)) == [str(feb.id)]
    assert ids(api.get(f"{URL}?exchange_account_id={account.id}", **auth)) == [str(short.id)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("side=long", "side"),
        ("start_date=2026-13-01", "start_date"),
        ("start_date=2026-01-01T10:00", "start_date"),  # an instant without its zone
        ("start_date=2026-02-01&end_date=2026-01-01", "end_date"),
        ("tag=7", "tag"),
        ("symbol=BTC-USDT", "symbol"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, auth, query, field):
    response = api.get(f"{URL}?{query}", **auth)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]


def test_an_unknown_filter_is_a_400(api, auth):
    response = api.get(f"{URL}?symbl=BTC_USDT", **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNKNOWN_FILTER"


def test_it_needs_a_signed_in_trader(api):
    assert api.get(URL).status_code == 401


def test_the_detail_has_notes_tags_and_images(api, user, auth):
    trade = JournalTradeFactory(user=user, notes="Took it early.")
    JournalTradeTag.objects.create(trade=trade, tag=JournalTagFactory(user=user, name="scalp", color=""))
    body = api.get(f"{URL}/{trade.id}", **auth).json()
    assert body["id"] == str(trade.id)
    assert body["notes"] == "Took it early."
    assert [(t["name"], t["color"]) for t in body["tags"]] == [("scalp", "")]
    assert body["images"] == []


@pytest.mark.parametrize("suffix", ["", "/notes", "/tags"])
def test_another_traders_trade_is_a_404(api, auth, stranger, suffix):
    theirs = JournalTradeFactory(user=stranger)
    method = {"": api.get, "/notes": api.patch, "/tags": api.post}[suffix]
    body = {"/notes": {"notes": "mine"}, "/tags": {"name": "mine"}}.get(suffix)
    response = method(f"{URL}/{theirs.id}{suffix}", body, format="json", **auth)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "TRADE_NOT_FOUND", "message": "Journal trade not found."}}
    theirs.refresh_from_db()
    assert theirs.notes == "" and not JournalTag.objects.filter(name="mine").exists()


@pytest.mark.parametrize("path", ["42", "42/notes", "42/tags", "42/tags/x"])
def test_an_id_that_is_no_uuid_is_a_404(api, user, auth, path):
    method = {"42": api.get, "42/notes": api.patch, "42/tags": api.post, "42/tags/x": api.delete}[path]
    body = {"42/notes": {"notes": "x"}, "42/tags": {"name": "x"}}.get(path)
    assert method(f"{URL}/{path}", body, format="json", **auth).status_code == 404
    trade = JournalTradeFactory(user=user)
    assert api.delete(f"{URL}/{trade.id}/tags/x", **auth).status_code == 404


def test_notes_are_replaced(api, user, auth):
    trade = JournalTradeFactory(user=user, notes="old")
    response = api.patch(f"{URL}/{trade.id}/notes", {"notes": "Moved the stop too early."}, format="json", **auth)
    assert response.status_code == 200
    assert response.json()["notes"] == "Moved the stop too early."
    trade.refresh_from_db()
    assert trade.notes == "Moved the stop too early."


@pytest.mark.parametrize("body", [{"notes": 5}, {}, {"notes": "x", "mood": "calm"}, {"notes": "x" * 20_001}])
def test_bad_notes_are_a_400_and_change_nothing(api, user, auth, body):
    trade = JournalTradeFactory(user=user, notes="kept")
    response = api.patch(f"{URL}/{trade.id}/notes", body, format="json", **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    trade.refresh_from_db()
    assert trade.notes == "kept"


def test_a_tag_goes_on_by_id_once(api, user, auth):
    trade = JournalTradeFactory(user=user)
    tag = JournalTagFactory(user=user, name="breakout")
    first = api.post(f"{URL}/{trade.id}/tags", {"tag_id": str(tag.id)}, format="json", **auth)
    again = api.post(f"{URL}/{trade.id}/tags", {"tag_id": str(tag.id)}, format="json", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert [t["name"] for t in again.json()["tags"]] == ["breakout"]


def test_a_tag_by_name_is_made_once_whatever_its_case(api, user, auth):
    trade, other = JournalTradeFactory(user=user), JournalTradeFactory(user=user)
    assert api.post(f"{URL}/{trade.id}/tags", {"name": "FOMO"}, format="json", **auth).status_code == 201
    assert api.post(f"{URL}/{other.id}/tags", {"name": " fomo "}, format="json", **auth).status_code == 201
    assert list(JournalTag.objects.filter(user=user).values_list("name", flat=True)) == ["FOMO"]


@pytest.mark.parametrize("body", [{}, {"tag_id": "x"}, {"name": "  "}, {"name": "a", "tag_id": None}, {"name": 3}])
def test_a_bad_tag_body_is_a_400_and_tags_nothing(api, user, auth, body):
    trade = JournalTradeFactory(user=user)
    response = api.post(f"{URL}/{trade.id}/tags", body, format="json", **auth)
    assert response.status_code == 400
    assert not JournalTradeTag.objects.exists() and not JournalTag.objects.exists()


def test_another_traders_tag_is_a_404(api, user, auth, stranger):
    trade = JournalTradeFactory(user=user)
    theirs = JournalTagFactory(user=stranger)
    response = api.post(f"{URL}/{trade.id}/tags", {"tag_id": str(theirs.id)}, format="json", **auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "TAG_NOT_FOUND"
    assert not JournalTradeTag.objects.exists()


def test_a_tag_comes_off_and_then_is_not_there(api, user, auth):
    trade = JournalTradeFactory(user=user)
    tag = JournalTagFactory(user=user)
    JournalTradeTag.objects.create(trade=trade, tag=tag)
    assert api.delete(f"{URL}/{trade.id}/tags/{tag.id}", **auth).status_code == 204
    assert JournalTag.objects.filter(id=tag.id).exists()  # only taken off the trade
    again = api.delete(f"{URL}/{trade.id}/tags/{tag.id}", **auth)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "TAG_NOT_ON_TRADE"


def test_a_viewer_reads_but_does_not_write(api, db):
    viewer = UserFactory(role=Role.VIEWER)
    trade = JournalTradeFactory(user=viewer)
    auth = bearer(sign_in(viewer))
    assert api.get(f"{URL}/{trade.id}", **auth).status_code == 200
    assert api.patch(f"{URL}/{trade.id}/notes", {"notes": "x"}, format="json", **auth).status_code == 403
