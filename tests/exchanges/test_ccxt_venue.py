"""The ccxt adapter driving the real ccxt client against a local server speaking Binance spot REST."""

from __future__ import annotations

import decimal
import re
import uuid
from decimal import Decimal

import ccxt
import pytest

from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import (
    AuthenticationFailed,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRequest,
    RateLimited,
    UnknownSymbol,
    Venue,
    VenueUnavailable,
)
from apps.exchanges.venues.ccxt_venue import (
    CcxtVenue,
    MissingCredentials,
    UnsupportedExchange,
    describe_exchange,
    from_ccxt_symbol,
    supported_exchanges,
    to_ccxt_symbol,
)
from apps.exchanges.venues.ccxt_venue.markets import index_markets
from tests.exchanges.factories import ApiKeyAccountFactory


def ticket(**overrides) -> OrderRequest:
    fields = {
        "symbol": "BTC_USDT",
        "side": "buy",
        "order_type": "limit",
        "quantity": Decimal("0.00100000"),
        "price": Decimal("40000"),
        "client_order_id": f"t-{uuid.uuid4().hex[:12]}",
    }
    return OrderRequest(**(fields | overrides))


def assert_no_secrets(message: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in message
    assert "signature=" not in message.lower()
    assert "timestamp=" not in message
    assert not re.search(r"[0-9a-f]{64}", message), "an HMAC signature leaked into the message"


# --- reading the account ------------------------------------------------------------------------


def test_it_speaks_the_venue_protocol(binance_venue):
    assert isinstance(binance_venue(), Venue)


def test_it_reads_the_non_zero_balances_as_decimals(binance_server, binance_venue):
    binance_server.state.set_balance("USDT", "1234.56789012", locked="0.5")

    balances = {b.asset: b for b in binance_venue().fetch_balance()}

    assert set(balances) == {"BTC", "USDT"}  # ETH is zero
    assert balances["USDT"].free == Decimal("1234.56789012")
    assert balances["USDT"].used == Decimal("0.5")
    assert balances["USDT"].total == Decimal("1235.06789012")
    assert balances["BTC"].total == Decimal("1")


def test_it_reads_markets_and_prices(binance_server, binance_venue):
    venue = binance_venue()
    binance_server.state.set_price("ETHUSDT", "3012.34567891")

    markets = {m.symbol: m for m in venue.fetch_markets()}

    assert set(markets) == {"BTC_USDT", "ETH_USDT"}
    btc = markets["BTC_USDT"]
    assert (btc.base, btc.quote, btc.type) == ("BTC", "USDT", "spot")
    assert btc.price_step == btc.quantity_step == btc.min_quantity == Decimal("0.00000001")
    assert venue.fetch_price("ETH_USDT") == Decimal("3012.34567891")


def test_a_spot_account_has_no_positions_and_its_equity_counts_every_priced_asset(binance_server, binance_venue):
    binance_server.state.set_balance("ETH", "2")
    venue = binance_venue()

    state = venue.account_state(quote="USDT")

    assert venue.fetch_positions() == []
    assert state.positions == []
    assert state.equity == Decimal("100000") + Decimal("50000") + 2 * Decimal("3000")


def test_a_binance_account_from_the_factory_reaches_the_local_server(db, binance_server):
    account = ApiKeyAccountFactory()

    venue = venue_for(account)

    assert isinstance(venue, CcxtVenue)
    assert {b.asset for b in venue.fetch_balance()} == {"BTC", "USDT"}


def test_it_loads_a_venues_markets_once_for_all_accounts(binance_server, binance_venue):
    binance_venue().fetch_balance()
    binance_venue(api_key="another-key-9876").fetch_markets()

    assert [path for _, path, _ in binance_server.requests].count("/api/v3/exchangeInfo") == 1


# --- orders -------------------------------------------------------------------------------------


def test_a_limit_order_rests_with_its_price_and_quantity_exact(binance_server, binance_venue):
    venue = binance_venue()
    request = ticket(side="sell", price=Decimal("50000.12345678"), quantity=Decimal("0.00100000"))

    order = venue.place_order(request)

    assert order.status == "open"
    assert order.order_type == "limit"
    assert order.client_order_id == request.client_order_id
    assert order.price == Decimal("50000.12345678")
    assert order.quantity == Decimal("0.00100000")
    assert order.filled_quantity == 0
    on_server = binance_server.state.orders[int(order.venue_order_id)]
    assert on_server["price"] == Decimal("50000.12345678")
    assert on_server["origQty"] == Decimal("0.001")
    assert on_server["clientOrderId"] == request.client_order_id
    assert on_server["timeInForce"] == "GTC"
    assert binance_server.state.balance("BTC") == (Decimal("0.999"), Decimal("0.001"))


def test_a_market_order_fills_at_the_market_price(binance_server, binance_venue):
    venue = binance_venue()

    order = venue.place_order(ticket(order_type="market", price=None, quantity=Decimal("0.01")))

    assert order.status == "filled"
    assert order.order_type == "market"
    assert order.filled_quantity == Decimal("0.01")
    assert order.average_price == Decimal("50000")
    assert binance_server.state.balance("BTC")[0] == Decimal("1.01")
    assert binance_server.state.balance("USDT")[0] == Decimal("99500")


def test_stop_orders_become_binance_stop_loss_orders_and_fill_when_the_price_falls(binance_server, binance_venue):
    venue = binance_venue()

    stop = venue.place_order(ticket(side="sell", order_type="stop", price=None, stop_price=Decimal("45000")))
    stop_limit = venue.place_order(
        ticket(side="sell", order_type="stop_limit", price=Decimal("44000"), stop_price=Decimal("45000"))
    )

    assert (stop.order_type, stop.stop_price, stop.price, stop.status) == ("stop", Decimal("45000"), None, "open")
    assert (stop_limit.order_type, stop_limit.price) == ("stop_limit", Decimal("44000"))
    orders = binance_server.state.orders
    assert orders[int(stop.venue_order_id)]["type"] == "STOP_LOSS"
    assert orders[int(stop_limit.venue_order_id)]["type"] == "STOP_LOSS_LIMIT"

    binance_server.state.set_price("BTCUSDT", "44000")

    assert venue.fetch_order(symbol="BTC_USDT", venue_order_id=stop.venue_order_id).status == "filled"
    assert venue.fetch_order(symbol="BTC_USDT", client_order_id=stop_limit.client_order_id).status == "filled"


def test_an_ioc_limit_order_that_cannot_fill_expires(binance_venue):
    order = binance_venue().place_order(ticket(price=Decimal("40000"), time_in_force="IOC"))

    assert order.status == "expired"


def test_it_cancels_an_order_and_releases_its_funds(binance_server, binance_venue):
    venue = binance_venue()
    placed = venue.place_order(ticket(quantity=Decimal("1"), price=Decimal("40000")))
    assert binance_server.state.balance("USDT") == (Decimal("60000"), Decimal("40000"))

    cancelled = venue.cancel_order(symbol="BTC_USDT", venue_order_id=placed.venue_order_id)

    assert cancelled.status == "cancelled"
    assert cancelled.client_order_id == placed.client_order_id
    assert binance_server.state.balance("USDT") == (Decimal("100000"), Decimal("0"))
    with pytest.raises(OrderNotFound):
        venue.cancel_order(symbol="BTC_USDT", venue_order_id=placed.venue_order_id)


def test_it_finds_an_order_by_its_client_order_id(binance_venue):
    venue = binance_venue()
    placed = venue.place_order(ticket())

    found = venue.fetch_order(symbol="BTC_USDT", client_order_id=placed.client_order_id)

    assert found.venue_order_id == placed.venue_order_id
    assert found.price == Decimal("40000")
    with pytest.raises(OrderNotFound) as caught:
        venue.fetch_order(symbol="BTC_USDT", client_order_id="never-placed")
    assert caught.value.status_code == 404


def test_it_lists_open_orders_for_one_symbol_or_all(binance_venue):
    venue = binance_venue()
    btc = venue.place_order(ticket())
    eth = venue.place_order(ticket(symbol="ETH_USDT", price=Decimal("2000"), quantity=Decimal("0.5")))
    venue.place_order(ticket(order_type="market", price=None))  # fills, so not open

    assert {o.venue_order_id for o in venue.fetch_open_orders()} == {btc.venue_order_id, eth.venue_order_id}
    assert [o.symbol for o in venue.fetch_open_orders("ETH_USDT")] == ["ETH_USDT"]


def test_it_refuses_an_order_without_enough_funds(binance_venue):
    with pytest.raises(InsufficientFunds) as caught:
        binance_venue().place_order(ticket(order_type="market", price=None, quantity=Decimal("10")))

    assert caught.value.status_code == 400


def test_it_refuses_a_quantity_finer_than_the_markets_step_before_sending_it(binance_server, binance_venue):
    with pytest.raises(InvalidOrder) as caught:
        binance_venue().place_order(ticket(quantity=Decimal("0.0010000001")))

    assert "0.0010000001" in caught.value.detail
    assert ("POST", "/api/v3/order") not in [(m, p) for m, p, _ in binance_server.requests]


def test_it_refuses_a_symbol_the_venue_does_not_list(binance_venue):
    with pytest.raises(UnknownSymbol):
        binance_venue().place_order(ticket(symbol="DOGE_USDT"))


def test_it_leaves_the_threads_decimal_context_alone(binance_venue):
    before = decimal.getcontext().copy()

    binance_venue().place_order(ticket())

    after = decimal.getcontext()
    assert (after.rounding, after.prec, after.traps) == (before.rounding, before.prec, before.traps)


# --- history ------------------------------------------------------------------------------------


def test_it_pages_through_my_trades_by_trade_id_without_duplicates(binance_server, binance_venue):
    binance_server.state.seed_trades("BTCUSDT", 1200)
    binance_server.state.seed_trades("ETHUSDT", 1300)
    venue = binance_venue()
    seen: list[tuple[str, str]] = []
    cursors: dict[str, list[str | None]] = {}

    for symbol in ("BTC_USDT", "ETH_USDT"):
        cursor = None
        while True:
            page = venue.fetch_my_trades(symbol=symbol, cursor=cursor, limit=500)
            seen += [(t.symbol, t.trade_id) for t in page.trades]
            cursors.setdefault(symbol, []).append(page.next_cursor)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor

    assert len(seen) == len(set(seen)) == 2500
    assert cursors == {"BTC_USDT": ["501", "1001", None], "ETH_USDT": ["501", "1001", None]}
    asked = [p["fromId"] for m, path, p in binance_server.requests if path == "/api/v3/myTrades"]
    assert asked == ["0", "501", "1001"] * 2


def test_a_history_that_ends_on_a_full_page_ends_with_an_empty_one(binance_server, binance_venue):
    binance_server.state.seed_trades("BTCUSDT", 1000)
    venue = binance_venue()

    second = venue.fetch_my_trades(symbol="BTC_USDT", cursor="501", limit=500)
    last = venue.fetch_my_trades(symbol="BTC_USDT", cursor=second.next_cursor, limit=500)

    assert [second.trades[0].trade_id, second.trades[-1].trade_id, second.next_cursor] == ["501", "1000", "1001"]
    assert (last.trades, last.next_cursor) == ([], None)


def test_venues_without_trade_id_paging_page_by_time_without_duplicates(binance_server, binance_venue, monkeypatch):
    monkeypatch.setattr("apps.exchanges.venues.ccxt_venue.history.PAGES_BY_TRADE_ID", ())
    t = 1_700_000_000_000
    for start, count in ((t, 2), (t + 5, 2), (t + 9, 1)):  # trades sharing a millisecond
        binance_server.state.seed_trades("BTCUSDT", count, start_ms=start, spacing_ms=0)
    venue = binance_venue()
    pages, cursor = [], "t1"

    while cursor is not None:
        page = venue.fetch_my_trades(symbol="BTC_USDT", cursor=cursor, limit=3)
        pages.append(([trade.trade_id for trade in page.trades], page.next_cursor))
        cursor = page.next_cursor

    assert pages == [(["1", "2", "3"], f"t{t + 5}:3"), (["4", "5"], f"t{t + 9}:5"), ([], None)]
    asked = [p.get("startTime") for m, path, p in binance_server.requests if path == "/api/v3/myTrades"]
    assert asked == ["1", str(t + 5), str(t + 9)]


def test_my_trades_carry_exact_prices_fees_and_times(binance_server, binance_venue):
    binance_server.state.fee_rate = Decimal("0.001")
    venue = binance_venue()
    order = venue.place_order(ticket(order_type="market", price=None, quantity=Decimal("0.00100000")))

    (trade,) = venue.fetch_my_trades(symbol="BTC_USDT", cursor=None, limit=100).trades

    assert trade.order_id == order.venue_order_id
    assert (trade.symbol, trade.side, trade.price) == ("BTC_USDT", "buy", Decimal("50000"))
    assert trade.quantity == Decimal("0.001")
    assert (trade.fee, trade.fee_asset) == (Decimal("0.000001"), "BTC")
    assert trade.executed_at.tzinfo is not None


def two_executions_among_other_trades(state, venue):
    """A limit buy of 0.003 filled in two executions, with other orders' trades before and between."""
    state.fee_rate = Decimal("0.001")
    state.seed_trades("BTCUSDT", 3)
    order = venue.place_order(ticket(quantity=Decimal("0.003"), price=Decimal("40000.12345678")))
    first = state.execute(int(order.venue_order_id), "0.001")
    venue.place_order(ticket(order_type="market", price=None, quantity=Decimal("0.001")))
    second = state.execute(int(order.venue_order_id), "0.002")
    return order, [str(first["id"]), str(second["id"])]


def test_an_orders_trades_are_exactly_its_own_executions(binance_server, binance_venue):
    venue = binance_venue()
    order, ids = two_executions_among_other_trades(binance_server.state, venue)

    trades = venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=order.venue_order_id)

    assert ids == ["4", "6"]
    oid, price = order.venue_order_id, Decimal("40000.12345678")
    assert [(t.trade_id, t.order_id, t.symbol, t.side, t.price, t.quantity, t.fee, t.fee_asset) for t in trades] == [
        ("4", oid, "BTC_USDT", "buy", price, Decimal("0.001"), Decimal("0.000001"), "BTC"),
        ("6", oid, "BTC_USDT", "buy", price, Decimal("0.002"), Decimal("0.000002"), "BTC"),
    ]
    asked = [p for m, path, p in binance_server.requests if path == "/api/v3/myTrades"]
    assert [(p["symbol"], p["orderId"], "fromId" in p) for p in asked] == [("BTCUSDT", order.venue_order_id, False)]


def _not_supported(*args, **kwargs):
    raise ccxt.NotSupported("binance fetchOrderTrades() supports spot markets only")


@pytest.mark.parametrize("lacks", ["the call", "support for the market"])
def test_without_a_call_for_one_orders_trades_they_are_found_in_the_recent_history(
    binance_server, binance_venue, monkeypatch, lacks
):
    venue = binance_venue()
    order, ids = two_executions_among_other_trades(binance_server.state, venue)
    if lacks == "the call":
        monkeypatch.setattr(venue._exchange, "has", {**venue._exchange.has, "fetchOrderTrades": False})
    else:
        monkeypatch.setattr(venue._exchange, "fetch_order_trades", _not_supported)

    trades = venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=order.venue_order_id)

    assert [(t.trade_id, t.quantity) for t in trades] == [(ids[0], Decimal("0.001")), (ids[1], Decimal("0.002"))]
    asked = [p for m, path, p in binance_server.requests if path == "/api/v3/myTrades"]
    assert all("orderId" not in p for p in asked)


def test_an_order_without_executions_has_no_trades_and_a_failure_is_a_502(binance_server, binance_venue):
    venue = binance_venue()
    order = venue.place_order(ticket())

    assert venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=order.venue_order_id) == []
    binance_server.fail_next(503, path="/api/v3/myTrades")
    with pytest.raises(VenueUnavailable):
        venue.fetch_order_trades(symbol="BTC_USDT", venue_order_id=order.venue_order_id)


def test_traded_symbols_are_the_held_assets_markets_and_those_with_open_orders(binance_venue):
    venue = binance_venue()
    assert venue.traded_symbols() == ["BTC_USDT"]  # holds BTC; ETH is zero

    venue.place_order(ticket(symbol="ETH_USDT", price=Decimal("2000")))

    assert venue.traded_symbols() == ["BTC_USDT", "ETH_USDT"]


# --- failures -----------------------------------------------------------------------------------


def test_a_wrong_api_key_is_a_clear_400_without_the_credentials(binance_server, binance_venue):
    with pytest.raises(AuthenticationFailed) as caught:
        binance_venue(api_key="wrong-api-key-123").fetch_balance()

    assert caught.value.status_code == 400
    assert caught.value.error_code == "EXCHANGE_AUTH_FAILED"
    assert "Binance refused the API credentials" in caught.value.detail
    assert_no_secrets(str(caught.value.detail), "wrong-api-key-123", binance_server.secret)


def test_a_wrong_secret_is_refused_without_leaking_it_or_the_signature(binance_server, binance_venue):
    with pytest.raises(AuthenticationFailed) as caught:
        binance_venue(secret="not-the-secret-456").fetch_balance()

    assert_no_secrets(str(caught.value.detail), binance_server.api_key, "not-the-secret-456")


def test_an_exchange_that_is_down_is_a_502(binance_server, binance_venue):
    venue = binance_venue()
    venue.fetch_balance()
    binance_server.stop()

    with pytest.raises(VenueUnavailable) as caught:
        venue.fetch_balance()

    assert caught.value.status_code == 502
    assert "Binance could not be reached" in caught.value.detail
    assert_no_secrets(str(caught.value.detail), binance_server.api_key, binance_server.secret)


def test_an_exchange_that_cannot_load_its_markets_is_a_502(binance_server, binance_venue):
    binance_server.stop()

    with pytest.raises(VenueUnavailable):
        binance_venue().fetch_markets()


def test_a_503_from_the_exchange_is_a_502(binance_server, binance_venue):
    binance_server.fail_next(503, path="/api/v3/account")

    with pytest.raises(VenueUnavailable) as caught:
        binance_venue().fetch_balance()

    assert caught.value.status_code == 502


def test_a_rate_limited_request_is_a_429(binance_server, binance_venue):
    venue = binance_venue()
    binance_server.fail_next(429, path="/api/v3/order")

    with pytest.raises(RateLimited) as caught:
        venue.place_order(ticket())

    assert caught.value.status_code == 429
    assert_no_secrets(str(caught.value.detail), binance_server.api_key, binance_server.secret)


# --- symbols and the catalogue ------------------------------------------------------------------


def test_symbols_convert_between_the_platform_and_ccxt():
    assert to_ccxt_symbol("BTC_USDT") == "BTC/USDT"
    assert to_ccxt_symbol("BTC_USDT_PERP") == "BTC/USDT:USDT"
    assert from_ccxt_symbol("BTC/USDT") == "BTC_USDT"
    assert from_ccxt_symbol("BTC/USDT:USDT") == "BTC_USDT"
    assert from_ccxt_symbol("BTC/USDT:USDT", perp_suffix=True) == "BTC_USDT_PERP"
    with pytest.raises(UnknownSymbol):
        to_ccxt_symbol("BTCUSDT")


def test_a_swap_is_suffixed_only_where_the_venue_also_has_the_spot_market():
    def market(symbol: str, kind: str) -> dict:
        pair, _, settle = symbol.partition(":")
        base, quote = pair.split("/")
        return {"symbol": symbol, "type": kind, "base": base, "quote": quote, "settle": settle or None}

    markets = [market("BTC/USDT", "spot"), market("BTC/USDT:USDT", "swap"), market("ETH/USDT:USDT", "swap")]
    by_platform, platform_of = index_markets({m["symbol"]: m for m in markets})

    assert {name: m["symbol"] for name, m in by_platform.items()} == {
        "BTC_USDT": "BTC/USDT",
        "BTC_USDT_PERP": "BTC/USDT:USDT",
        "ETH_USDT": "ETH/USDT:USDT",
    }
    assert platform_of["BTC/USDT:USDT"] == "BTC_USDT_PERP"


def test_the_catalogue_lists_every_ccxt_exchange_with_the_seeds_first():
    exchanges = supported_exchanges()

    assert [e.id for e in exchanges[:3]] == ["binance", "okx", "bybit"]
    assert {e.id for e in exchanges} == set(ccxt.exchanges)
    okx = describe_exchange("okx")
    assert okx.requires_passphrase and okx.credentials == ("api_key", "secret", "passphrase")
    assert not describe_exchange("binance").requires_passphrase
    assert describe_exchange("bybit").has_derivatives


def test_an_unknown_exchange_is_a_400():
    with pytest.raises(UnsupportedExchange) as caught:
        CcxtVenue("not-an-exchange", {"api_key": "k", "secret": "s"})

    assert (caught.value.status_code, caught.value.error_code) == (400, "UNSUPPORTED_EXCHANGE")


def test_okx_without_a_passphrase_is_a_clear_400():
    with pytest.raises(MissingCredentials) as caught:
        CcxtVenue("okx", {"api_key": "okx-key", "secret": "okx-secret"})

    assert caught.value.status_code == 400
    assert "OKX needs these credentials: passphrase" in caught.value.detail
    assert CcxtVenue("okx", {"api_key": "okx-key", "secret": "okx-secret", "passphrase": "pp"}).exchange_name == "okx"


def test_failures_are_logged_without_signatures_or_credentials(binance_server, binance_venue, caplog):
    venue = binance_venue()
    venue.fetch_balance()
    binance_server.stop()
    caplog.set_level("INFO", logger="apps.exchanges")

    with pytest.raises(VenueUnavailable):
        venue.fetch_balance()

    logged = caplog.text
    assert "/api/v3/account" in logged  # the log says what failed...
    assert_no_secrets(logged, binance_server.api_key, binance_server.secret)  # ...and nothing more
