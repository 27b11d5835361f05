"""POST /api/v1/journal/trades/import: a trades CSV into the journal, as fills of venue `csv`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.journal.models import JournalTrade
from apps.journal.services.updates import rebuild_journal
from apps.trades.models import Fill
from tests.accounts.factories import bearer, sign_in
from tests.journal.factories import JournalTradeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/trades/import"
D = Decimal
HEADER = "external_id,symbol,side,opened_at,closed_at,quantity,entry_price,exit_price,fees\r\n"
TWO_TRADES = (
    HEADER
    + "t-1,BTC_USDT,buy,2026-03-01T08:00:00Z,2026-03-01T09:00:00Z,0.5,40000,41000.5,4.05\r\n"
    + "t-2,eth_usdt,short,2026-03-02T10:00:00+02:00,2026-03-02T08:30:00Z,2,3000,3100,\r\n"
)


def send(api, auth, text: str | bytes, name: str = "trades.csv"):
    data = text.encode() if isinstance(text, str) else text
    return api.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv")}, format="multipart", **auth)


def test_it_imports_each_row_as_a_closed_trade(api, user, auth):
    response = send(api, auth, TWO_TRADES)
    assert response.status_code == 201, response.content
    assert response.json() == {"rows": 2, "imported": 2, "already_imported": 0}

    btc, eth = JournalTrade.objects.filter(user=user).order_by("symbol")
    assert (btc.side, btc.quantity, btc.entry_price, btc.exit_price) == ("buy", D("0.5"), D("40000"), D("41000.5"))
    assert (btc.gross_pnl, btc.fees, btc.net_pnl) == (D("500.25"), D("4.05"), D("496.2"))
    assert btc.venue == "csv" and btc.exchange_account is None and btc.duration_seconds == 3600
    # No stop comes with a CSV row: R against the default 1% of the entry (400 per unit).
    assert btc.stop_assumed and btc.risk_amount == D("200") and btc.r_multiple == D("2.481")
    # A short, its zone taken into account (10:00+02:00 is 08:00Z), no fees.
    assert (eth.symbol, eth.side, eth.duration_seconds) == ("ETH_USDT", "sell", 1800)
    assert (eth.gross_pnl, eth.fees, eth.net_pnl) == (D("-200"), D("0"), D("-200"))


def test_uploading_the_same_file_again_adds_nothing(api, user, auth):
    send(api, auth, TWO_TRADES)
    trades = set(JournalTrade.objects.filter(user=user).values_list("id", flat=True))

    response = send(api, auth, TWO_TRADES)
    assert response.status_code == 201
    assert response.json() == {"rows": 2, "imported": 0, "already_imported": 2}
    assert set(JournalTrade.objects.filter(user=user).values_list("id", flat=True)) == trades
    assert Fill.objects.filter(user=user).count() == 4


def test_a_row_without_an_id_is_known_again_by_its_values_however_written(api, user, auth):
    first = "symbol,side,opened_at,closed_at,quantity,entry_price,exit_price\n"
    first += "BTC_USDT,buy,2026-03-01T08:00:00Z,2026-03-01T09:00:00Z,1.50,100,110\n"
    again = "Exit_Price,Entry_Price,Quantity,Closed_At,Opened_At,Side,Symbol\n"
    again += "110.0,100,1.5,2026-03-01T10:00:00+01:00,2026-03-01T08:00:00+00:00,BUY,btc_usdt\n"
    assert send(api, auth, first).json()["imported"] == 1
    assert send(api, auth, again).json() == {"rows": 1, "imported": 0, "already_imported": 1}
    assert JournalTrade.objects.filter(user=user).count() == 1


def test_another_trader_importing_the_same_file_gets_their_own_trades(api, user, auth, stranger):
    send(api, auth, TWO_TRADES)
    assert send(api, bearer(sign_in(stranger)), TWO_TRADES).json()["imported"] == 2
    assert JournalTrade.objects.filter(user=stranger).count() == 2


def test_trades_meeting_in_one_minute_stay_apart(api, user, auth):
    # Times to the minute: t-10 closes at 10:05 as t-9 opens, on the same side; t-8 opens and
    # closes within 10:05 itself.
    text = (
        HEADER
        + "t-10,BTC_USDT,buy,2026-03-01T10:00:00Z,2026-03-01T10:05:00Z,1,100,101,0\n"
        + "t-9,BTC_USDT,buy,2026-03-01T10:05:00Z,2026-03-01T10:09:00Z,2,101,99,0\n"
        + "t-8,BTC_USDT,buy,2026-03-01T10:05:00Z,2026-03-01T10:05:00Z,3,101,102,0\n"
    )
    assert send(api, auth, text).json()["imported"] == 3
    got = JournalTrade.objects.filter(user=user).order_by("quantity")
    assert [(t.side, t.quantity, t.entry_price, t.exit_price) for t in got] == [
        ("buy", D("1"), D("100"), D("101")),
        ("buy", D("2"), D("101"), D("99")),
        ("buy", D("3"), D("101"), D("102")),
    ]


def test_bad_rows_refuse_the_whole_file_and_are_named_by_number(api, user, auth):
    text = (
        HEADER
        + "ok,BTC_USDT,buy,2026-03-01T08:00:00Z,2026-03-01T09:00:00Z,1,100,110,0\n"
        + "b,BTC-USDT,hold,2026-03-01T08:00:00,2026-02-01T09:00:00Z,-1,0,1e3,-2\n"
        + "c,BTC_USDT,buy,2026-03-01T09:00:00Z,2026-03-01T08:00:00Z,1,100,110,0\n"
        + "ok,BTC_USDT,buy,2026-03-01T08:00:00Z,2026-03-01T09:00:00Z,1,100,110,0\n"
    )
    response = send(api, auth, text)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_CSV"
    assert error["message"] == "Nothing was imported: rows 3, 4, 5 cannot be read."
    assert [m.split(":")[0] for m in error["details"]["3"]] == [
        "symbol",
        "side",
        "opened_at",
        "quantity",
        "entry_price",
        "exit_price",
        "fees",
    ]
    assert error["details"]["4"] == ["closed_at: must not be before opened_at"]
    assert error["details"]["5"] == ["repeats row 2 (the same external_id, or the same values)"]
    assert not Fill.objects.filter(user=user).exists()
    assert not JournalTrade.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"symbol,side\nBTC_USDT,buy\n", "The header row has no column opened_at, closed_at, quantity"),
        (HEADER.encode(), "The file has no rows below its header."),
        (b"\xff\xfe" + TWO_TRADES.encode("utf-16-le"), "The file is not UTF-8 text."),
        (b"", "file: The submitted file is empty."),
    ],
)
def test_a_file_that_is_not_a_trades_csv_is_a_400(api, auth, data, message):
    response = send(api, auth, data)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_a_bom_from_a_spreadsheet_is_fine(api, auth):
    assert send(api, auth, "\ufeff" + TWO_TRADES).status_code == 201


def test_it_refuses_a_file_past_the_size_or_row_limit(api, user, auth, settings):
    settings.JOURNAL_IMPORT_MAX_BYTES = len(TWO_TRADES) - 1
    response = send(api, auth, TWO_TRADES)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "IMPORT_TOO_LARGE"

    settings.JOURNAL_IMPORT_MAX_BYTES = 10_000
    settings.JOURNAL_IMPORT_MAX_ROWS = 1
    response = send(api, auth, TWO_TRADES)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The file has more than 1 rows."
    assert not Fill.objects.filter(user=user).exists()


def test_it_needs_a_file(api, auth):
    response = api.post(URL, {}, format="multipart", **auth)
    assert response.status_code == 400
    assert "file" in response.json()["error"]["message"]


def test_an_export_imports_back_as_the_same_trades(api, user, auth, stranger):
    JournalTradeFactory(user=user, side="sell", exit_price=D("95"), gross_pnl=D("5"), net_pnl=D("5"), fees=D("0"))
    exported = b"".join(api.get("/api/v1/journal/trades/export", **auth).streaming_content)

    response = send(api, bearer(sign_in(stranger)), exported)
    assert response.status_code == 201, response.content
    (trade,) = JournalTrade.objects.filter(user=stranger)
    assert (trade.side, trade.entry_price, trade.exit_price, trade.net_pnl) == ("sell", D("100"), D("95"), D("5"))


def test_a_rebuild_leaves_imported_trades_as_they_are(api, user, auth):
    send(api, auth, TWO_TRADES)
    before = list(JournalTrade.objects.filter(user=user).order_by("symbol").values())
    rebuild_journal(user_id=user.id)
    assert list(JournalTrade.objects.filter(user=user).order_by("symbol").values()) == before


def test_it_needs_a_signed_in_trader(api):
    assert api.post(URL, {}, format="multipart").status_code == 401
