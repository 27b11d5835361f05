"""Trade-history import: every symbol, every trade once, resumable after a crash."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.exchanges.models import ExchangeAccount, PaperFill
from apps.exchanges.venues.base import AuthenticationFailed, OrderRequest, VenueUnavailable
from apps.exchanges.venues.paper import PaperVenue
from apps.trades.models import Fill, HistoryImport, ImportStatus
from apps.trades.services import imports
from apps.trades.services.imports import (
    resume_stalled_imports,
    run_history_import,
    start_history_import,
)
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.exchanges import conftest as exchange_fixtures
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db
# The local Binance (real ccxt client, Binance REST dialect) of the exchange tests.
binance_server = exchange_fixtures.binance_server
_client_ids = itertools.count()


def trade(account: ExchangeAccount, symbol: str, count: int) -> None:
    """`count` filled market orders on the paper exchange, alternately buying and selling."""
    venue = PaperVenue(account)
    for index in range(count):
        venue.place_order(
            OrderRequest(
                symbol=symbol,
                side="buy" if index % 2 == 0 else "sell",
                order_type="market",
                quantity=Decimal("0.01"),
                client_order_id=f"hist-{next(_client_ids)}",
            )
        )


@pytest.fixture
def account(user):
    account = FundedPaperAccountFactory(user=user)
    trade(account, "BTC_USDT", 7)
    trade(account, "ETH_USDT", 4)
    return account


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(imports, "PAGE_SIZE", 2)


@pytest.fixture
def fetches(monkeypatch):
    """Every (symbol, cursor) the import asks the paper venue for, in order."""
    seen: list[tuple[str, str | None]] = []
    original = PaperVenue.fetch_my_trades

    def recording(self, *, symbol, cursor, limit):
        seen.append((symbol, cursor))
        return original(self, symbol=symbol, cursor=cursor, limit=limit)

    monkeypatch.setattr(PaperVenue, "fetch_my_trades", recording)
    return seen


def run(row: HistoryImport) -> HistoryImport:
    run_history_import(import_id=row.id)
    row.refresh_from_db()
    return row


def test_it_imports_every_trade_of_every_symbol_once(user, account, small_pages):
    row = run(start_history_import(user=user, account=account))

    assert row.status == ImportStatus.COMPLETED
    assert row.symbols == ["BTC_USDT", "ETH_USDT"]
    assert sorted(row.symbols_done) == ["BTC_USDT", "ETH_USDT"]
    assert row.trades_imported == 11
    assert row.pages_done == 4 + 3  # 7 trades in pages of 2 ends on a short page; 4 on an empty one
    assert row.started_at is not None and row.finished_at is not None
    venue_ids = {str(pk) for pk in PaperFill.objects.filter(account=account).values_list("pk", flat=True)}
    stored = Fill.objects.filter(user=user, venue="paper")
    assert set(stored.values_list("venue_trade_id", flat=True)) == venue_ids
    assert stored.count() == 11
    first = PaperFill.objects.filter(account=account).order_by("id").first()
    fill = stored.get(venue_trade_id=str(first.pk))
    assert (fill.symbol, fill.side, fill.price, fill.quantity, fill.fee) == (
        first.symbol,
        first.side,
        first.price,
        first.quantity,
        first.fee,
    )
    assert fill.exchange_account == account and fill.venue_order_id == str(first.order_id)


def test_a_second_import_stores_nothing_twice(user, account):
    run(start_history_import(user=user, account=account))
    trade(account, "ETH_USDT", 1)

    again = run(start_history_import(user=user, account=account))

    assert again.status == ImportStatus.COMPLETED
    assert again.trades_imported == 1
    assert Fill.objects.filter(user=user).count() == 12
    assert run(start_history_import(user=user, account=account)).trades_imported == 0


def test_it_also_imports_symbols_only_the_platform_orders_name(user, account):
    from apps.trades.models import Order, OrderRole

    Order.objects.create(
        user=user,
        exchange_account=account,
        role=OrderRole.STANDALONE,
        symbol="SOL_USDT",
        side="buy",
        order_type="limit",
        price=Decimal("100"),
        quantity=Decimal("1"),
        client_order_id="platform-order-1",
    )
    row = run(start_history_import(user=user, account=account))
    assert row.symbols == ["BTC_USDT", "ETH_USDT", "SOL_USDT"]
    assert row.status == ImportStatus.COMPLETED


def test_only_one_import_per_account_is_live_at_a_time(user, account):
    first = start_history_import(user=user, account=account)
    assert start_history_import(user=user, account=account) == first
    assert HistoryImport.objects.filter(exchange_account=account).count() == 1


def test_a_racing_second_insert_joins_the_live_import(user, account, monkeypatch):
    first = start_history_import(user=user, account=account)
    # The read before the insert saw nothing live (as a concurrent request would): the partial
    # unique constraint refuses the insert and the live import is answered.
    real_filter = HistoryImport.objects.filter
    calls = []

    def first_read_sees_nothing(*args, **kwargs):
        calls.append(kwargs)
        return real_filter(pk=None) if len(calls) == 1 else real_filter(*args, **kwargs)

    monkeypatch.setattr(HistoryImport.objects, "filter", first_read_sees_nothing)
    assert start_history_import(user=user, account=account) == first


class WorkerDied(BaseException):
    """Stands in for the worker process being killed: not an Exception, so nothing catches it."""


def test_it_resumes_after_a_crash_without_refetching_or_duplicating(
    user, account, small_pages, fetches, monkeypatch, settings, django_capture_on_commit_callbacks
):
    # Monkeypatching the adapter is only to simulate the crash mid-run: after 3 pages the
    # "worker dies" on the 4th fetch.
    recording = PaperVenue.fetch_my_trades

    def dying(self, *, symbol, cursor, limit):
        if len(fetches) == 3:
            raise WorkerDied
        return recording(self, symbol=symbol, cursor=cursor, limit=limit)

    monkeypatch.setattr(PaperVenue, "fetch_my_trades", dying)
    row = start_history_import(user=user, account=account)
    with pytest.raises(WorkerDied):
        run_history_import(import_id=row.id)

    row.refresh_from_db()
    assert row.status == ImportStatus.RUNNING
    assert row.pages_done == 3
    assert row.trades_imported == 6
    assert Fill.objects.filter(user=user).count() == 6

    # Not stale yet: the beat leaves it alone.
    assert resume_stalled_imports() == 0
    monkeypatch.setattr(PaperVenue, "fetch_my_trades", recording)
    HistoryImport.objects.filter(id=row.id).update(updated_at=timezone.now() - imports.STALE_AFTER - timedelta(1))
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_imports() == 1

    row.refresh_from_db()
    assert row.status == ImportStatus.COMPLETED
    assert row.trades_imported == 11
    assert Fill.objects.filter(user=user).count() == PaperFill.objects.filter(account=account).count() == 11
    assert len(fetches) == len(set(fetches)) == 7  # every page fetched exactly once across both runs


def test_two_workers_never_run_the_same_import(user, account, fetches):
    row = start_history_import(user=user, account=account)
    held = imports._lock(row.id)
    assert held.acquire()
    try:
        run_history_import(import_id=row.id)
    finally:
        held.release()
    row.refresh_from_db()
    assert row.status == ImportStatus.QUEUED
    assert fetches == []


def test_an_exchange_outage_leaves_the_import_running_then_fails_it_after_retries(user, account, monkeypatch):
    def down(self, *, symbol, cursor, limit):
        raise VenueUnavailable("binance is down")

    monkeypatch.setattr(PaperVenue, "fetch_my_trades", down)
    row = run(start_history_import(user=user, account=account))
    assert row.status == ImportStatus.RUNNING
    assert row.errors[0]["symbol"] == "BTC_USDT"
    assert row.errors[0]["message"] == "binance is down"
    assert row.errors[0]["at"]

    for _ in range(imports.MAX_ATTEMPTS - 1):
        row = run(row)
    assert row.status == ImportStatus.FAILED
    assert len(row.errors) == imports.MAX_ATTEMPTS
    assert row.finished_at is not None


def test_a_refused_key_fails_the_import_at_once(user, account, monkeypatch):
    def refused(self, *, symbol, cursor, limit):
        raise AuthenticationFailed("Invalid API key.")

    monkeypatch.setattr(PaperVenue, "fetch_my_trades", refused)
    row = run(start_history_import(user=user, account=account))
    assert row.status == ImportStatus.FAILED
    assert row.errors[0]["message"] == "Invalid API key."


def test_adding_an_exchange_account_starts_an_import(user, settings, django_capture_on_commit_callbacks):
    from apps.exchanges.hooks import account_added

    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        account = ExchangeAccountFactory(user=user)
        account_added(account.id)

    row = HistoryImport.objects.get(exchange_account=account)
    assert row.user == user
    assert row.status == ImportStatus.COMPLETED  # the eager task ran it: a new account has no trades
    assert row.trades_imported == 0


# --- endpoints ----------------------------------------------------------------------------------


def test_post_import_answers_202_with_the_status(api, user, account):
    response = api.post(
        "/api/v1/trades/import", {"exchange_account_id": str(account.id)}, format="json", **bearer(sign_in(user))
    )
    assert response.status_code == 202
    body = response.json()
    assert body["exchange_account_id"] == str(account.id)
    assert body["status"] == "QUEUED"
    assert body["pages_done"] == 0 and body["trades_imported"] == 0
    assert set(body) >= {"id", "symbols", "symbols_done", "cursor", "errors", "started_at", "finished_at"}


def test_import_status_shows_progress_per_account(api, user, account, small_pages):
    row = run(start_history_import(user=user, account=account))
    other = ExchangeAccountFactory(user=user)
    start_history_import(user=user, account=other)
    headers = bearer(sign_in(user))

    body = api.get("/api/v1/trades/import/status", **headers).json()
    assert {item["exchange_account_id"] for item in body["imports"]} == {str(account.id), str(other.id)}

    one = api.get(f"/api/v1/trades/import/status?exchange_account_id={account.id}", **headers).json()["imports"]
    assert len(one) == 1
    assert one[0]["id"] == str(row.id)
    assert one[0]["status"] == "COMPLETED"
    assert one[0]["trades_imported"] == 11
    assert one[0]["pages_done"] == 7
    assert one[0]["cursor"]["BTC_USDT"]  # the last saved cursor
    assert one[0]["finished_at"].endswith("Z")


def test_another_users_account_is_not_found(api, user, account):
    stranger = UserFactory()
    headers = bearer(sign_in(stranger))
    response = api.post("/api/v1/trades/import", {"exchange_account_id": str(account.id)}, format="json", **headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "EXCHANGE_ACCOUNT_NOT_FOUND"
    response = api.get(f"/api/v1/trades/import/status?exchange_account_id={account.id}", **headers)
    assert response.status_code == 404
    assert HistoryImport.objects.count() == 0


def test_the_import_endpoints_need_a_signed_in_user(api, account):
    assert api.post("/api/v1/trades/import", {"exchange_account_id": str(account.id)}, format="json").status_code == 401
    assert api.get("/api/v1/trades/import/status").status_code == 401


def test_post_import_rejects_a_malformed_account_id(api, user):
    response = api.post(
        "/api/v1/trades/import", {"exchange_account_id": "nope"}, format="json", **bearer(sign_in(user))
    )
    assert response.status_code == 400
    assert "exchange_account_id" in response.json()["error"]["message"]


# --- over ccxt, against a local Binance -----------------------------------------------------------


@pytest.fixture
def binance_account(user, binance_server):
    from tests.exchanges.factories import ApiKeyAccountFactory

    binance_server.state.set_balance("ETH", "2")
    binance_server.state.seed_trades("BTCUSDT", 1200)
    binance_server.state.seed_trades("ETHUSDT", 700)
    return ApiKeyAccountFactory(user=user)


def my_trades_requests(server) -> list[tuple[str, str | None]]:
    return [
        (params["symbol"], params.get("fromId")) for _, path, params in server.requests if path == "/api/v3/myTrades"
    ]


def test_it_imports_a_binance_history_page_by_page_through_ccxt(user, binance_server, binance_account):
    row = run(start_history_import(user=user, account=binance_account))

    assert row.status == ImportStatus.COMPLETED, row.errors
    assert row.symbols == ["BTC_USDT", "ETH_USDT"]
    assert row.trades_imported == 1900
    assert row.pages_done == 3 + 2  # pages of 500
    stored = Fill.objects.filter(user=user, venue="binance")
    assert stored.filter(symbol="BTC_USDT").count() == 1200
    assert stored.filter(symbol="ETH_USDT").count() == 700
    assert len(my_trades_requests(binance_server)) == 5
    assert run(start_history_import(user=user, account=binance_account)).trades_imported == 0
    assert stored.count() == 1900


def test_a_binance_outage_mid_import_resumes_from_the_saved_cursor(user, binance_server, binance_account, monkeypatch):
    from apps.exchanges.venues.ccxt_venue import CcxtVenue

    # The adapter runs unchanged; the wrapper only arms the server to answer the third page 503.
    real = CcxtVenue.fetch_my_trades
    calls = []

    def third_page_fails(self, *, symbol, cursor, limit):
        calls.append(symbol)
        if len(calls) == 3:
            binance_server.fail_next(503, path="/api/v3/myTrades")
        return real(self, symbol=symbol, cursor=cursor, limit=limit)

    monkeypatch.setattr(CcxtVenue, "fetch_my_trades", third_page_fails)
    row = run(start_history_import(user=user, account=binance_account))
    assert row.status == ImportStatus.RUNNING
    assert row.pages_done == 2
    assert row.errors[-1]["symbol"] == "BTC_USDT" and row.errors[-1]["retryable"] is True

    row = run(row)

    assert row.status == ImportStatus.COMPLETED
    assert Fill.objects.filter(user=user, venue="binance").count() == row.trades_imported == 1900
    requests = my_trades_requests(binance_server)
    # Only the page that failed was asked for again.
    repeated = [request for request in set(requests) if requests.count(request) > 1]
    assert len(requests) == 5 + 1
    assert repeated == [requests[2]]
