"""The paper exchange through the `Venue` protocol: what a trader's account reads and does."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from apps.exchanges.models import PaperBalance, PaperFill, PaperOrder
from apps.exchanges.paper import engine
from apps.exchanges.venues import Venue, venue_for
from apps.exchanges.venues.base import (
    Balance,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRequest,
    Position,
)
from apps.exchanges.venues.paper import PaperVenue
from tests.exchanges.factories import FundedPaperAccountFactory

_ids = iter(range(1, 1_000_000))


def request(side="buy", order_type="market", quantity="1", symbol="BTC_USDT", **fields):
    fields = {key: D(value) if key in ("price", "stop_price") else value for key, value in fields.items()}
    fields.setdefault("client_order_id", f"v{next(_ids)}")
    return OrderRequest(symbol=symbol, side=side, order_type=order_type, quantity=D(quantity), **fields)


def funded_venue() -> PaperVenue:
    account = FundedPaperAccountFactory()
    return PaperVenue(account)


@pytest.fixture
def venue(db):
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    engine.set_price(symbol="ETH_USDT", price=D("3000"))
    return funded_venue()


def usdt(venue):
    return next(balance for balance in venue.fetch_balance() if balance.asset == "USDT")


def test_a_paper_account_gets_the_paper_venue_which_speaks_the_protocol(venue):
    assert isinstance(venue_for(venue.account), PaperVenue)
    assert isinstance(venue, Venue)


def test_it_lists_the_paper_markets_with_their_tick_sizes(venue):
    markets = {market.symbol: market for market in venue.fetch_markets()}

    assert sorted(markets) == ["BTC_USDT", "ETH_USDC", "ETH_USDT", "SOL_USDT"]
    assert (markets["BTC_USDT"].base, markets["BTC_USDT"].quote, markets["BTC_USDT"].type) == ("BTC", "USDT", "swap")
    assert (markets["BTC_USDT"].price_step, markets["SOL_USDT"].price_step) == (D("0.1"), D("0.001"))
    assert venue.fetch_price("BTC_USDT") == D("50000")


def test_balance_positions_and_equity_follow_a_round_trip(venue):
    venue.place_order(request(quantity="0.5", leverage=5))
    assert usdt(venue) == Balance(asset="USDT", free=D("94990"), used=D("5000"), total=D("99990"))

    engine.set_price(symbol="BTC_USDT", price=D("51000"))
    assert venue.fetch_positions() == [
        Position(
            symbol="BTC_USDT",
            side="long",
            quantity=D("0.5"),
            entry_price=D("50000"),
            mark_price=D("51000"),
            unrealized_pnl=D("500"),
            leverage=5,
        )
    ]
    assert venue.account_state(quote="USDT").equity == D("100490")
    assert venue.account_state(quote="USDC").equity == D("100000")
    assert venue.account_state(quote="USDC").positions == []

    venue.place_order(request(side="sell", quantity="0.5", reduce_only=True))

    assert usdt(venue) == Balance(asset="USDT", free=D("100479.8"), used=D("0"), total=D("100479.8"))
    assert venue.fetch_positions() == []
    assert venue.account_state(quote="USDT").equity == D("100479.8")


def test_a_short_shows_as_a_short_with_its_unrealised_loss(venue):
    venue.place_order(request(side="sell", quantity="2", symbol="ETH_USDT", leverage=3))
    engine.set_price(symbol="ETH_USDT", price=D("3100"))

    (short,) = venue.fetch_positions()

    assert (short.side, short.quantity, short.unrealized_pnl) == ("short", D(2), D("-200"))
    assert venue.account_state(quote="USDT").equity == D("99797.6")  # 100000 - 2.4 fee - 200


def test_resting_orders_hold_margin_until_cancelled(venue):
    order = venue.place_order(request(order_type="limit", price="40000", leverage=4))
    assert (usdt(venue).used, usdt(venue).free) == (D("10000"), D("90000"))

    venue.cancel_order(symbol="BTC_USDT", venue_order_id=order.venue_order_id)

    assert (usdt(venue).used, usdt(venue).free) == (D("0"), D("100000"))


def test_resending_a_client_order_id_returns_the_first_order_and_fills_once(venue):
    first = venue.place_order(request(client_order_id="ticket-1"))
    again = venue.place_order(request(client_order_id="ticket-1", quantity="0.5"))

    assert again == first
    assert PaperFill.objects.count() == 1
    assert venue.fetch_positions()[0].quantity == D(1)


def test_the_same_client_order_id_on_another_account_is_another_order(venue):
    other = funded_venue()

    mine = venue.place_order(request(client_order_id="ticket-1"))
    theirs = other.place_order(request(client_order_id="ticket-1"))

    assert mine.venue_order_id != theirs.venue_order_id


def test_an_order_is_found_by_venue_id_or_client_id_but_not_from_another_account(venue):
    placed = venue.place_order(request(order_type="limit", price="45000", client_order_id="mine"))

    assert venue.fetch_order(symbol="BTC_USDT", venue_order_id=placed.venue_order_id) == placed
    assert venue.fetch_order(symbol="BTC_USDT", client_order_id="mine") == placed
    assert (placed.status, placed.price, placed.filled_quantity) == ("open", D("45000"), D(0))
    lookups = ["999999", "abc", "-1", "9" * 30]
    for lookup in [{"venue_order_id": value} for value in lookups] + [{"client_order_id": "theirs"}]:
        with pytest.raises(OrderNotFound):
            venue.fetch_order(symbol="BTC_USDT", **lookup)
    with pytest.raises(OrderNotFound):
        funded_venue().fetch_order(symbol="BTC_USDT", venue_order_id=placed.venue_order_id)


def test_open_orders_list_only_resting_orders_optionally_of_one_symbol(venue):
    btc = venue.place_order(request(order_type="limit", price="45000"))
    eth = venue.place_order(request(order_type="stop", stop_price="3500", symbol="ETH_USDT"))
    venue.place_order(request())

    assert venue.fetch_open_orders() == [btc, eth]
    assert venue.fetch_open_orders("ETH_USDT") == [eth]


def test_cancelling_an_open_order_stops_it_from_filling(venue):
    placed = venue.place_order(request(order_type="limit", price="45000"))

    cancelled = venue.cancel_order(symbol="BTC_USDT", venue_order_id=placed.venue_order_id)
    engine.set_price(symbol="BTC_USDT", price=D("44000"))

    assert cancelled.status == "cancelled"
    assert venue.fetch_order(symbol="BTC_USDT", venue_order_id=placed.venue_order_id).status == "cancelled"
    assert venue.fetch_positions() == []


def test_cancelling_a_final_order_is_refused_and_an_unknown_one_is_not_found(venue):
    filled = venue.place_order(request())
    cancelled = venue.place_order(request(order_type="limit", price="40000"))
    venue.cancel_order(symbol="BTC_USDT", venue_order_id=cancelled.venue_order_id)

    with pytest.raises(InvalidOrder, match="already filled"):
        venue.cancel_order(symbol="BTC_USDT", venue_order_id=filled.venue_order_id)
    with pytest.raises(InvalidOrder, match="already cancelled"):
        venue.cancel_order(symbol="BTC_USDT", venue_order_id=cancelled.venue_order_id)
    with pytest.raises(OrderNotFound):
        venue.cancel_order(symbol="BTC_USDT", venue_order_id="424242")


def test_my_trades_page_by_trade_id_from_a_cursor(venue):
    for _ in range(5):
        venue.place_order(request(quantity="0.01"))
    venue.place_order(request(quantity="0.1", symbol="ETH_USDT"))

    pages, cursor = [], None
    while True:
        page = venue.fetch_my_trades(symbol="BTC_USDT", cursor=cursor, limit=2)
        pages.append([trade.trade_id for trade in page.trades])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    ids = [str(fill.id) for fill in PaperFill.objects.filter(symbol="BTC_USDT").order_by("id")]
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert venue.fetch_my_trades(symbol="BTC_USDT", cursor=ids[-1], limit=2).trades == []


def test_a_trade_carries_its_order_price_fee_and_realised_pnl(venue):
    opened = venue.place_order(request(quantity="0.2"))
    engine.set_price(symbol="BTC_USDT", price=D("50500"))
    closed = venue.place_order(request(side="sell", quantity="0.2"))

    first, second = venue.fetch_my_trades(symbol="BTC_USDT", cursor=None, limit=10).trades

    assert (first.order_id, first.side, first.price, first.quantity, first.fee) == (
        opened.venue_order_id,
        "buy",
        D("50000"),
        D("0.2"),
        D("4"),
    )
    assert (second.order_id, second.fee, second.fee_asset, second.realized_pnl) == (
        closed.venue_order_id,
        D("4.04"),
        "USDT",
        D("100"),
    )


def test_an_orders_trades_are_exactly_its_own_fills_by_id(venue):
    venue.place_order(request(quantity="0.01"))
    order = venue.place_order(request(quantity="0.2"))
    venue.place_order(request(quantity="0.1", symbol="ETH_USDT"))
    venue.place_order(request(side="sell", quantity="0.05"))
    first = PaperFill.objects.get(order_id=order.venue_order_id)
    # The engine fills in one go; a second execution is recorded as a venue would record it.
    second = PaperFill.objects.create(
        account=venue.account, order_id=first.order_id, symbol="BTC_USDT", side="buy",
        price=D("50000.12345678"), quantity=D("0.1"), fee=D("2.000004938"), fee_asset="USDT",
    )  # fmt: skip

    trades = venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=order.venue_order_id)

    assert [(t.trade_id, t.order_id, t.side, t.price, t.quantity, t.fee, t.fee_asset) for t in trades] == [
        (str(first.pk), order.venue_order_id, "buy", D("50000"), D("0.2"), D("4"), "USDT"),
        (str(second.pk), order.venue_order_id, "buy", D("50000.12345678"), D("0.1"), D("2.000004938"), "USDT"),
    ]


def test_an_unknown_or_another_accounts_order_has_no_trades(venue):
    theirs = funded_venue().place_order(request(quantity="0.01"))

    for venue_order_id in (theirs.venue_order_id, "424242", "not-an-id"):
        assert venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=venue_order_id) == []


def test_a_malformed_trades_cursor_is_refused(venue):
    for cursor in ("next-please", "-1", "9" * 30):
        with pytest.raises(InvalidOrder, match="cursor"):
            venue.fetch_my_trades(symbol="BTC_USDT", cursor=cursor, limit=10)


def test_traded_symbols_are_the_symbols_with_fills(venue):
    venue.place_order(request(symbol="ETH_USDT"))
    venue.place_order(request(quantity="0.01"))
    venue.place_order(request(order_type="limit", price="100", symbol="SOL_USDT"))

    assert venue.traded_symbols() == ["BTC_USDT", "ETH_USDT"]


# --- concurrency (PostgreSQL: SQLite has no row locks to test) ------------------------------------


def _in_threads(count: int, work) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_cannot_spend_the_same_margin_twice():
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    venue = funded_venue()

    # Each order needs 50020 of the 100000: two would need 100040.
    results = _in_threads(8, lambda index: venue.place_order(request(client_order_id=f"race-{index}")))

    placed = [result for result in results if not isinstance(result, Exception)]
    assert len(placed) == 1, results
    assert all(isinstance(result, InsufficientFunds) for result in results if result not in placed)
    assert PaperBalance.objects.get(account=venue.account, asset="USDT").total == D("99980")
    assert PaperFill.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_of_one_client_order_id_make_one_order():
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    venue = funded_venue()

    results = _in_threads(8, lambda index: venue.place_order(request(quantity="0.1", client_order_id="same")))

    assert {result.venue_order_id for result in results} == {str(PaperOrder.objects.get().id)}, results
    assert PaperFill.objects.count() == 1


def test_an_order_that_fills_as_it_is_placed_answers_with_its_fills(venue):
    filled = venue.place_order(request(quantity="0.5"))
    resting = venue.place_order(request(order_type="limit", quantity="0.5", price=D("40000")))

    assert filled.trades == tuple(venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=filled.venue_order_id))
    assert [trade.quantity for trade in filled.trades] == [D("0.5")]
    assert resting.trades is None
    assert venue.fetch_order(symbol="BTC_USDT", venue_order_id=filled.venue_order_id).trades is None
