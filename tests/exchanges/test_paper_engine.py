"""The paper exchange's matching: order types, stops, time in force, reduce-only, fees, P&L, margin."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from apps.exchanges.models import PaperBalance, PaperFill, PaperOrder, PaperPosition, PaperPrice
from apps.exchanges.paper import engine
from apps.exchanges.venues.base import InsufficientFunds, InvalidOrder, OrderRequest, UnknownSymbol
from tests.exchanges.factories import ExchangeAccountFactory, FundedPaperAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    account = FundedPaperAccountFactory()
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    engine.set_price(symbol="ETH_USDT", price=D("3000"))
    return account


_ids = iter(range(1, 1_000_000))


def place(account, side, order_type="market", quantity="1", symbol="BTC_USDT", **fields):
    fields = {key: D(value) if key in ("price", "stop_price") else value for key, value in fields.items()}
    request = OrderRequest(
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=D(quantity),
        client_order_id=fields.pop("client_order_id", f"c{next(_ids)}"),
        **fields,
    )
    return engine.place_order(account=account, request=request)


def refreshed(order):
    order.refresh_from_db()
    return order


def position(account, symbol="BTC_USDT"):
    row = PaperPosition.objects.filter(account=account, symbol=symbol).first()
    return (row.quantity, row.entry_price) if row else (D(0), D(0))


def wallet(account, asset="USDT"):
    return PaperBalance.objects.get(account=account, asset=asset).total


def fill_prices(order):
    return [fill.price for fill in PaperFill.objects.filter(order=order)]


# --- order types --------------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "signed"), [("buy", D("0.1")), ("sell", D("-0.1"))])
def test_a_market_order_fills_at_once_at_the_current_price(account, side, signed):
    order = place(account, side, quantity="0.1")

    assert (order.status, order.filled_quantity, order.average_price) == ("filled", D("0.1"), D("50000"))
    assert fill_prices(order) == [D("50000")]
    assert position(account) == (signed, D("50000"))


@pytest.mark.parametrize(("side", "limit"), [("buy", "51000"), ("sell", "49000")])
def test_a_marketable_limit_fills_at_the_current_price_not_its_limit(account, side, limit):
    order = place(account, side, "limit", price=limit)

    assert order.status == "filled"
    assert fill_prices(order) == [D("50000")]


def test_a_buy_limit_below_the_price_rests_until_the_price_falls_through_it_and_fills_at_its_limit(account):
    order = place(account, "buy", "limit", price="49000")
    assert order.status == "open"

    engine.set_price(symbol="BTC_USDT", price=D("49500"))
    assert refreshed(order).status == "open"

    engine.set_price(symbol="BTC_USDT", price=D("48800"))
    assert refreshed(order).status == "filled"
    assert fill_prices(order) == [D("49000")]
    assert position(account) == (D(1), D("49000"))


def test_a_sell_limit_above_the_price_fills_when_the_price_reaches_it(account):
    order = place(account, "sell", "limit", price="51000")

    engine.set_price(symbol="BTC_USDT", price=D("51000"))

    assert refreshed(order).status == "filled"
    assert fill_prices(order) == [D("51000")]


def test_a_buy_stop_rests_until_the_price_reaches_it_then_fills_at_the_price(account):
    order = place(account, "buy", "stop", stop_price="51000")

    engine.set_price(symbol="BTC_USDT", price=D("50900"))
    assert refreshed(order).status == "open"

    engine.set_price(symbol="BTC_USDT", price=D("51050"))
    assert refreshed(order).status == "filled"
    assert fill_prices(order) == [D("51050")]


def test_a_sell_stop_triggers_when_the_price_falls_to_it_and_not_when_it_rises(account):
    order = place(account, "sell", "stop", stop_price="49000")

    engine.set_price(symbol="BTC_USDT", price=D("60000"))
    assert refreshed(order).status == "open"

    engine.set_price(symbol="BTC_USDT", price=D("49000"))
    assert refreshed(order).status == "filled"
    assert fill_prices(order) == [D("49000")]
    assert position(account) == (D(-1), D("49000"))


def test_a_stop_whose_price_is_already_reached_fills_at_once(account):
    order = place(account, "buy", "stop", stop_price="49000")

    assert order.status == "filled"
    assert fill_prices(order) == [D("50000")]


def test_a_triggered_stop_limit_rests_as_a_limit_until_its_limit_is_reached(account):
    order = place(account, "buy", "stop_limit", stop_price="51000", price="50900")

    engine.set_price(symbol="BTC_USDT", price=D("51000"))
    assert (refreshed(order).status, order.triggered) == ("open", True)

    # Back under the stop: a triggered order stays a limit, it does not wait for the stop again.
    engine.set_price(symbol="BTC_USDT", price=D("50950"))
    assert refreshed(order).status == "open"

    engine.set_price(symbol="BTC_USDT", price=D("50850"))
    assert refreshed(order).status == "filled"
    assert fill_prices(order) == [D("50900")]


def test_a_stop_limit_whose_limit_is_marketable_when_triggered_fills_at_the_price(account):
    order = place(account, "sell", "stop_limit", stop_price="49000", price="48900")

    engine.set_price(symbol="BTC_USDT", price=D("48950"))

    assert refreshed(order).status == "filled"
    assert fill_prices(order) == [D("48950")]


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_an_ioc_or_fok_limit_that_can_fill_fills_in_full(account, tif):
    order = place(account, "buy", "limit", quantity="2", price="50000", time_in_force=tif, leverage=2)

    assert (order.status, order.filled_quantity) == ("filled", D(2))


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_an_ioc_or_fok_limit_that_cannot_fill_is_cancelled_instead_of_resting(account, tif):
    order = place(account, "buy", "limit", price="49000", time_in_force=tif)

    assert order.status == "cancelled"
    engine.set_price(symbol="BTC_USDT", price=D("48000"))
    assert refreshed(order).status == "cancelled"
    assert not PaperFill.objects.exists()


def test_a_triggered_ioc_stop_limit_is_cancelled_when_its_limit_is_not_reached(account):
    order = place(account, "buy", "stop_limit", stop_price="51000", price="50900", time_in_force="IOC")
    assert order.status == "open"  # until triggered, time in force does not apply

    engine.set_price(symbol="BTC_USDT", price=D("51000"))

    assert refreshed(order).status == "cancelled"


def test_set_price_matches_the_resting_orders_of_every_account(account):
    other = ExchangeAccountFactory()
    engine.fund_account(account=other)
    mine = place(account, "buy", "limit", price="49000")
    theirs = place(other, "sell", "stop", stop_price="49500")
    untouched = place(account, "buy", "limit", symbol="ETH_USDT", price="2000")

    engine.set_price(symbol="BTC_USDT", price=D("48000"))

    assert (refreshed(mine).status, refreshed(theirs).status, refreshed(untouched).status) == (
        "filled",
        "filled",
        "open",
    )
    assert PaperPrice.objects.get(symbol="BTC_USDT").price == D("48000")


# --- reduce-only ----------------------------------------------------------------------------------


def test_a_reduce_only_order_is_clamped_to_the_open_position(account):
    place(account, "buy", quantity="0.5")

    order = place(account, "sell", quantity="2", reduce_only=True)

    assert (order.quantity, order.filled_quantity) == (D("0.5"), D("0.5"))
    assert position(account) == (D(0), D(0))


@pytest.mark.parametrize(("opened", "reducing"), [(None, "sell"), ("buy", "buy"), ("sell", "sell")])
def test_a_reduce_only_order_with_no_position_to_reduce_is_refused(account, opened, reducing):
    if opened:
        place(account, opened)

    with pytest.raises(InvalidOrder, match="Reduce-only"):
        place(account, reducing, "limit", price="50000", reduce_only=True)
    assert PaperOrder.objects.filter(reduce_only=True).count() == 0


def test_a_resting_reduce_only_stop_is_cancelled_once_the_position_is_gone(account):
    place(account, "buy")
    stop = place(account, "sell", "stop", stop_price="49000", reduce_only=True)
    place(account, "sell")

    engine.set_price(symbol="BTC_USDT", price=D("48900"))

    assert refreshed(stop).status == "cancelled"
    assert position(account) == (D(0), D(0))


def test_a_reduce_only_stop_closes_only_what_a_take_profit_left_of_the_position(account):
    place(account, "buy")
    stop = place(account, "sell", "stop", stop_price="49000", reduce_only=True)
    target = place(account, "sell", "limit", quantity="0.4", price="51000", reduce_only=True)

    engine.set_price(symbol="BTC_USDT", price=D("51000"))
    engine.set_price(symbol="BTC_USDT", price=D("49000"))

    assert refreshed(target).filled_quantity == D("0.4")
    assert (refreshed(stop).status, stop.filled_quantity) == ("filled", D("0.6"))
    assert position(account) == (D(0), D(0))


# --- fees and P&L -----------------------------------------------------------------------------------


def test_fees_and_realised_pnl_of_a_partial_close_go_to_the_wallet_exactly(account):
    opening = place(account, "buy", quantity="0.3")
    engine.set_price(symbol="BTC_USDT", price=D("52000"))
    closing = place(account, "sell", quantity="0.1")

    assert PaperFill.objects.get(order=opening).fee == D("6")  # 0.3 x 50000 x 0.0004
    fill = PaperFill.objects.get(order=closing)
    assert (fill.fee, fill.realized_pnl, fill.fee_asset) == (D("2.08"), D("200"), "USDT")
    assert wallet(account) == D("100191.92")  # 100000 - 6 + 200 - 2.08
    assert position(account) == (D("0.2"), D("50000"))


def test_a_short_closed_lower_realises_a_profit(account):
    place(account, "sell", quantity="2", symbol="ETH_USDT")
    engine.set_price(symbol="ETH_USDT", price=D("2900.5"))
    place(account, "buy", quantity="2", symbol="ETH_USDT")

    assert [fill.realized_pnl for fill in PaperFill.objects.order_by("id")] == [D(0), D("199")]
    assert wallet(account) == D("100194.2796")  # 100000 - 2.4 + 199 - 2.3204
    assert position(account, "ETH_USDT") == (D(0), D(0))


def test_adding_to_a_position_averages_its_entry_price(account):
    place(account, "buy", leverage=10)
    engine.set_price(symbol="BTC_USDT", price=D("51000"))
    place(account, "buy")

    assert position(account) == (D(2), D("50500"))


def test_a_fill_larger_than_the_position_flips_it_at_the_fill_price(account):
    place(account, "buy", leverage=10)
    engine.set_price(symbol="BTC_USDT", price=D("51000"))
    order = place(account, "sell", quantity="3")

    assert PaperFill.objects.get(order=order).realized_pnl == D("1000")
    assert position(account) == (D(-2), D("51000"))


# --- margin -----------------------------------------------------------------------------------


def test_it_refuses_an_order_beyond_free_margin_and_writes_nothing(account):
    with pytest.raises(InsufficientFunds) as refused:
        place(account, "buy", quantity="3")

    message = str(refused.value.detail)
    assert "150060 USDT" in message and "notional 150000 at 1x" in message and "100000 USDT is free" in message
    assert not PaperOrder.objects.exists()
    assert not PaperFill.objects.exists()
    assert wallet(account) == D("100000")
    assert position(account) == (D(0), D(0))


def test_leverage_lets_the_same_order_through_on_less_margin(account):
    order = place(account, "buy", quantity="3", leverage=2)

    assert order.status == "filled"
    assert PaperPosition.objects.get(account=account, symbol="BTC_USDT").leverage == 2


def test_a_resting_order_holds_margin_that_a_later_order_cannot_use(account):
    place(account, "buy", "limit", quantity="1.5", price="40000")  # 60000 held

    with pytest.raises(InsufficientFunds):
        place(account, "buy", "limit", quantity="1.5", price="40000")
    assert PaperOrder.objects.count() == 1


def test_a_sell_limit_against_a_long_holds_no_more_margin(account):
    place(account, "buy", quantity="1.9")  # 95000 of 99962 held

    order = place(account, "sell", "limit", quantity="1.9", price="55000")

    assert order.status == "open"


def test_closing_a_losing_position_is_never_refused_even_when_the_loss_exceeds_the_wallet(settings):
    settings.PAPER_STARTING_BALANCE = "6000"
    account = FundedPaperAccountFactory()
    engine.set_price(symbol="BTC_USDT", price=D("50000"))
    place(account, "buy", leverage=10)
    engine.set_price(symbol="BTC_USDT", price=D("44000"))

    order = place(account, "sell", reduce_only=True)

    assert order.status == "filled"
    assert wallet(account) == D("-37.6")  # 6000 - 20 - 6000 - 17.6


def test_an_unfunded_account_cannot_open_a_position(account):
    unfunded = ExchangeAccountFactory()

    with pytest.raises(InsufficientFunds, match="0 USDT is free"):
        place(unfunded, "buy", quantity="0.001")


# --- funding, prices, bad input ----------------------------------------------------------------------


def test_funding_an_account_twice_gives_the_starting_balance_once(account):
    place(account, "buy")
    engine.fund_account(account=account)

    assert wallet(account) == D("99980")
    assert wallet(account, "USDC") == D("100000")
    assert PaperBalance.objects.filter(account=account).count() == 2


def test_current_price_starts_at_the_opening_price_and_follows_set_price(db):
    assert engine.current_price("SOL_USDT") == D("150")

    engine.set_price(symbol="SOL_USDT", price=D("151.25"))

    assert engine.current_price("SOL_USDT") == D("151.25")


def test_unknown_symbols_are_refused():
    with pytest.raises(UnknownSymbol):
        engine.current_price("DOGE_USDT")
    with pytest.raises(UnknownSymbol):
        engine.set_price(symbol="DOGE_USDT", price=D(1))


@pytest.mark.parametrize("price", [D(0), D(-1), D("NaN")])
def test_set_price_refuses_a_price_that_is_not_positive(price):
    with pytest.raises(InvalidOrder):
        engine.set_price(symbol="BTC_USDT", price=price)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"symbol": "DOGE_USDT"}, UnknownSymbol),
        ({"quantity": "0"}, InvalidOrder),
        ({"quantity": "-1"}, InvalidOrder),
        ({"quantity": "0.0000000000000000001"}, InvalidOrder),
        ({"order_type": "limit"}, InvalidOrder),
        ({"order_type": "stop"}, InvalidOrder),
        ({"order_type": "stop_limit", "stop_price": "1"}, InvalidOrder),
        ({"order_type": "trailing"}, InvalidOrder),
        ({"side": "long"}, InvalidOrder),
        ({"time_in_force": "GTD"}, InvalidOrder),
        ({"leverage": 0}, InvalidOrder),
        ({"leverage": 126}, InvalidOrder),
        ({"client_order_id": ""}, InvalidOrder),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(account, fields, error):
    quantity = fields.pop("quantity", "1")
    side = fields.pop("side", "buy")
    order_type = fields.pop("order_type", "market")
    symbol = fields.pop("symbol", "BTC_USDT")

    with pytest.raises(error):
        place(account, side, order_type, quantity=quantity, symbol=symbol, **fields)
    assert not PaperOrder.objects.exists()
