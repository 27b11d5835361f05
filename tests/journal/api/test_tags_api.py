"""/api/v1/journal/tags: list, create, rename, delete; unique per trader in any case."""

from __future__ import annotations

import pytest

from apps.journal.models import JournalTag, JournalTradeTag
from tests.journal.factories import JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/tags"


def test_it_lists_the_traders_tags_by_name_with_their_trade_counts(api, user, auth, stranger):
    scalp = JournalTagFactory(user=user, name="scalp")
    JournalTagFactory(user=user, name="breakout")
    JournalTagFactory(user=stranger, name="theirs")
    for _ in range(2):
        JournalTradeTag.objects.create(trade=JournalTradeFactory(user=user), tag=scalp)

    body = api.get(URL, **auth).json()
    assert [(t["name"], t["trade_count"]) for t in body["data"]] == [("breakout", 0), ("scalp", 2)]


def test_it_creates_a_tag(api, user, auth):
    response = api.post(URL, {"name": "Revenge trade", "color": "#FF0000"}, format="json", **auth)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["color"], body["trade_count"]) == ("Revenge trade", "#FF0000", 0)
    assert JournalTag.objects.get(id=body["id"]).user == user


def test_a_name_taken_in_any_case_is_a_409(api, user, auth, stranger):
    JournalTagFactory(user=user, name="FOMO")
    JournalTagFactory(user=stranger, name="news")  # another trader's names are free
    response = api.post(URL, {"name": "fomo"}, format="json", **auth)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "TAG_EXISTS"
    assert api.post(URL, {"name": "news"}, format="json", **auth).status_code == 201


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 65}, {"name": "a", "color": "red"}, {"name": "a", "x": 1}],
)
def test_a_bad_tag_is_a_400_and_makes_nothing(api, auth, body):
    response = api.post(URL, body, format="json", **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert not JournalTag.objects.exists()


def test_it_renames_and_recolours_a_tag(api, user, auth):
    tag = JournalTagFactory(user=user, name="old")
    response = api.put(f"{URL}/{tag.id}", {"name": "new", "color": "#000000"}, format="json", **auth)
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["color"]) == ("new", "#000000")


def test_a_rename_onto_a_taken_name_is_a_409_and_changes_nothing(api, user, auth):
    JournalTagFactory(user=user, name="taken")
    tag = JournalTagFactory(user=user, name="mine")
    assert api.put(f"{URL}/{tag.id}", {"name": "TAKEN"}, format="json", **auth).status_code == 409
    tag.refresh_from_db()
    assert tag.name == "mine"


def test_deleting_a_tag_takes_it_off_its_trades(api, user, auth):
    tag = JournalTagFactory(user=user)
    trade = JournalTradeFactory(user=user)
    JournalTradeTag.objects.create(trade=trade, tag=tag)
    assert api.delete(f"{URL}/{tag.id}", **auth).status_code == 204
    assert not JournalTradeTag.objects.exists()
    assert api.get(f"/api/v1/journal/trades/{trade.id}", **auth).json()["tags"] == []


@pytest.mark.parametrize("method", ["put", "delete"])
def test_another_traders_tag_is_a_404(api, auth, stranger, method):
    theirs = JournalTagFactory(user=stranger, name="theirs")
    response = getattr(api, method)(f"{URL}/{theirs.id}", {"name": "mine"}, format="json", **auth)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "theirs"
