"""GET /api/v1/journal/trades/export: the trades as streamed CSV, with the list's filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from apps.journal.csv_trades import EXPORT_COLUMNS
from apps.journal.models import JournalTradeTag
from tests.exchanges.factories import ExchangeAccountFactory
from tests.journal.factories import JournalTagFactory, JournalTradeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/trades/export"


def read(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith(",".join(EXPORT_COLUMNS) + "\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite holds a NUMERIC as a double: 15 digits")
def test_it_exports_every_column_exactly(api, user, auth, stranger):
    account = ExchangeAccountFactory(user=user, label="Main")
    trade = JournalTradeFactory(
        user=user,
        exchange_account=account,
        side="sell",
        quantity=Decimal("0.123456789012345678"),
        entry_price=Decimal("43210.5"),
        exit_price=Decimal("43000.25"),
        fees=Decimal("0.1"),
        gross_pnl=Decimal("25.956890123456789"),
        net_pnl=Decimal("25.856890123456789"),
        r_multiple=Decimal("-1.25"),
        opened_at=datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC),
        closed_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        duration_seconds=5400,
        notes="Faded the open.\nSecond line, with a comma",
        mae=Decimal("12.5"),
    )
    JournalTradeTag.objects.create(trade=trade, tag=JournalTagFactory(user=user, name="breakout"))
    JournalTradeTag.objects.create(trade=trade, tag=JournalTagFactory(user=user, name="A+ setup"))
    JournalTradeFactory(user=stranger)

    (row,) = read(api.get(URL, **auth))
    assert row == {
        "id": str(trade.id),
        "exchange_account_id": str(account.id),
        "account": "Main",
        "venue": "paper",
        "symbol": "BTC_USDT",
        "side": "sell",
        "opened_at": "2026-03-01T08:00:05Z",
        "closed_at": "2026-03-01T09:30:00Z",
        "duration_seconds": "5400",
        "quantity": "0.123456789012345678",
        "entry_price": "43210.5",
        "exit_price": "43000.25",
        "fees": "0.1",
        "fee_currency": "USDT",
        "fees_complete": "true",
        "gross_pnl": "25.956890123456789",
        "net_pnl": "25.856890123456789",
        "r_multiple": "-1.25",
        "risk_amount": "1",
        "stop_price": "99",
        "stop_assumed": "true",
        "mae": "12.5",
        "mfe": "",
        "tags": "A+ setup; breakout",
        "notes": "Faded the open.\nSecond line, with a comma",
    }


def test_it_takes_the_lists_filters(api, user, auth):
    JournalTradeFactory(user=user, closed_at=datetime(2026, 1, 31, tzinfo=UTC))
    feb = JournalTradeFactory(user=user, closed_at=datetime(2026, 2, 2, tzinfo=UTC), symbol="ETH_USDT")
    short = JournalTradeFactory(user=user, side="sell", closed_at=datetime(2026, 2, 1, tzinfo=UTC))

    assert [r["id"] for r in read(api.get(f"{URL}?start_date=2026-02-01", **auth))] == [str(feb.id), str(short.id)]
    assert [r["id"] for r in read(api.get(f"{URL}?symbol=eth_usdt", **auth))] == [str(feb.id)]
    assert [r["id"] for r in read(api.get(f"{URL}?side=sell", **auth))] == [str(short.id)]


def test_an_empty_journal_is_the_header_alone(api, auth):
    assert read(api.get(URL, **auth)) == []


def test_it_streams_past_one_chunk_in_order(api, user, auth, monkeypatch):
    monkeypatch.setattr("apps.journal.selectors.EXPORT_CHUNK", 2)
    trades = [JournalTradeFactory(user=user) for _ in range(5)]
    JournalTradeTag.objects.create(trade=trades[0], tag=JournalTagFactory(user=user, name="first"))
    rows = read(api.get(URL, **auth))
    assert [r["id"] for r in rows] == [str(t.id) for t in reversed(trades)]
    assert rows[-1]["tags"] == "first"


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(api, user, auth):
    trade = JournalTradeFactory(user=user, notes='=HYPERLINK("http://evil")')
    JournalTradeTag.objects.create(trade=trade, tag=JournalTagFactory(user=user, name="+1"))
    (row,) = read(api.get(URL, **auth))
    assert row["notes"] == '\'=HYPERLINK("http://evil")'
    assert row["tags"] == "'+1"
    assert row["net_pnl"] == "10"  # numbers stay numbers, negative ones too


def test_it_answers_csv_whatever_the_client_accepts_and_errors_as_json(api, user, auth):
    JournalTradeFactory(user=user)
    assert len(read(api.get(URL, HTTP_ACCEPT="text/csv", **auth))) == 1
    response = api.get(f"{URL}?side=long", HTTP_ACCEPT="text/csv", **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert api.get(f"{URL}?page=2", **auth).status_code == 400  # not a paged list


def test_it_needs_a_signed_in_trader(api):
    assert api.get(URL).status_code == 401
