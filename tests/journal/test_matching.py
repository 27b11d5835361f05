"""The FIFO matcher against hand-worked round trips, and its bookkeeping as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.journal.matching import FillIn, match_fills, measure_risk, split_symbol

START = datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal


def fills(*rows: tuple) -> list[FillIn]:
    """(side, quantity, price, fee, fee_asset) rows, a minute apart, ids 1, 2, ..."""
    return [
        FillIn(
            id=index,
            side=side,
            quantity=D(quantity),
            price=D(price),
            fee=D(fee),
            fee_asset=asset,
            executed_at=START + timedelta(minutes=index),
        )
        for index, (side, quantity, price, fee, asset) in enumerate(rows, start=1)
    ]


def test_it_splits_symbols_into_base_and_quote():
    assert split_symbol("BTC_USDT") == ("BTC", "USDT")
    assert split_symbol("ETH_USDC_PERP") == ("ETH", "USDC")


def test_a_long_round_trip_with_fees_in_quote():
    matched = match_fills(
        fills(("buy", "1", "100", "0.1", "USDT"), ("sell", "1", "110", "0.11", "USDT")), symbol="BTC_USDT"
    )
    (trip,) = matched.trips
    assert (trip.side, trip.entry_quantity, trip.entry_price, trip.exit_price) == ("buy", 1, 100, 110)
    assert (trip.gross_pnl, trip.fees, trip.net_pnl) == (D("10"), D("0.21"), D("9.79"))
    assert trip.opened_at == START + timedelta(minutes=1)
    assert trip.closed_at == START + timedelta(minutes=2)
    assert trip.fill_ids == [1, 2]
    assert matched.open_fills == []


def test_a_partial_close_stays_in_one_trip_with_volume_weighted_prices():
    matched = match_fills(
        fills(
            ("buy", "1", "100", "0.1", "USDT"),
            ("buy", "1", "110", "0.11", "USDT"),  # scales in: entry 105
            ("sell", "0.5", "120", "0.06", "USDT"),  # partial close: the trip stays open
            ("sell", "1.5", "100", "0.15", "USDT"),  # exit (60 + 150) / 2 = 105
        ),
        symbol="BTC_USDT",
    )
    (trip,) = matched.trips
    assert (trip.entry_quantity, trip.entry_price, trip.exit_price) == (2, 105, 105)
    assert trip.gross_pnl == 0
    assert trip.fees == D("0.42")
    assert trip.net_pnl == D("-0.42")
    assert len(trip.fill_ids) == 4


def test_a_short_round_trip_gains_when_the_price_falls():
    matched = match_fills(fills(("sell", "2", "100", "0", ""), ("buy", "2", "90", "0", "")), symbol="BTC_USDT")
    (trip,) = matched.trips
    assert (trip.side, trip.gross_pnl, trip.net_pnl) == ("sell", D("20"), D("20"))


def test_a_flip_closes_the_trip_and_opens_the_next_with_the_rest_of_the_fill_and_its_fee():
    matched = match_fills(
        fills(
            ("buy", "1", "100", "0.1", "USDT"),
            ("sell", "3", "110", "0.33", "USDT"),  # closes 1 (fee 0.11), opens a short of 2 (fee 0.22)
            ("buy", "2", "105", "0.21", "USDT"),
        ),
        symbol="BTC_USDT",
    )
    first, second = matched.trips
    assert (first.key, first.side, first.gross_pnl, first.fees, first.net_pnl) == (
        (1, "open"),
        "buy",
        D("10"),
        D("0.21"),
        D("9.79"),
    )
    assert (second.key, second.side, second.entry_quantity, second.entry_price) == ((2, "flip"), "sell", 2, 110)
    assert (second.gross_pnl, second.fees, second.net_pnl) == (D("10"), D("0.43"), D("9.57"))
    assert second.opened_at == first.closed_at == START + timedelta(minutes=2)
    assert first.fill_ids == [1, 2] and second.fill_ids == [2, 3]


def test_a_flip_splits_an_indivisible_fee_without_losing_a_digit():
    matched = match_fills(
        fills(("buy", "1", "100", "0", ""), ("sell", "3", "100", "1", "USDT"), ("buy", "2", "100", "0", "")),
        symbol="BTC_USDT",
    )
    first, second = matched.trips
    assert first.fees == D("0.333333333333333333")
    assert first.fees + second.fees == 1


def test_a_fee_in_the_base_asset_is_priced_at_its_fill_and_paid_out_of_the_position():
    # Bought 1 BTC, received 0.999 after the 0.001 BTC fee, sold those 0.999: flat.
    matched = match_fills(
        fills(("buy", "1", "100", "0.001", "BTC"), ("sell", "0.999", "110", "0.10989", "USDT")), symbol="BTC_USDT"
    )
    (trip,) = matched.trips
    assert (trip.entry_quantity, trip.entry_price, trip.exit_price) == (D("0.999"), 100, 110)
    assert trip.fees == D("0.1") + D("0.10989")
    assert trip.gross_pnl == D("9.99")
    # The cash: paid 100, received 109.89 less the 0.10989 fee.
    assert trip.net_pnl == D("109.89") - D("0.10989") - D("100") == D("9.78011")
    assert matched.open_fills == []


def test_a_fee_in_a_third_asset_is_left_out_and_the_trip_marked():
    matched = match_fills(
        fills(("buy", "1", "100", "0.01", "BNB"), ("sell", "1", "101", "0.1", "USDT")), symbol="BTC_USDT"
    )
    (trip,) = matched.trips
    assert trip.fees == D("0.1")
    assert trip.fees_complete is False


def test_a_position_still_open_is_not_a_trip():
    matched = match_fills(
        fills(
            ("buy", "1", "100", "0", ""),
            ("sell", "1", "101", "0", ""),
            ("buy", "2", "100", "0", ""),
            ("sell", "1", "99", "0", ""),
        ),
        symbol="BTC_USDT",
    )
    assert len(matched.trips) == 1
    assert matched.open_fills == [3, 4]


def test_r_is_measured_from_the_planned_stop():
    (trip,) = match_fills(
        fills(("buy", "0.5", "50000", "0", ""), ("sell", "0.5", "52000", "0", "")), symbol="BTC_USDT"
    ).trips
    risk = measure_risk(trip, planned_risk_per_unit=D("1000"), default_stop_percent=D("1"))
    assert (risk.stop_price, risk.risk_amount, risk.r_multiple, risk.stop_assumed) == (
        D("49000"),
        D("500"),
        D("2"),
        False,
    )


def test_r_without_a_stop_uses_the_default_distance_and_says_so():
    (trip,) = match_fills(
        fills(("sell", "2", "100", "0", ""), ("buy", "2", "103", "1", "USDT")), symbol="BTC_USDT"
    ).trips
    risk = measure_risk(trip, planned_risk_per_unit=None, default_stop_percent=D("2"))
    # A short from 100 with a 2% stop: stop 102, risk 2 x 2 = 4, net -7.
    assert (risk.stop_price, risk.risk_amount, risk.r_multiple, risk.stop_assumed) == (
        D("102"),
        D("4"),
        D("-1.75"),
        True,
    )


def test_a_stop_at_zero_distance_gives_no_r():
    (trip,) = match_fills(fills(("buy", "1", "100", "0", ""), ("sell", "1", "101", "0", "")), symbol="BTC_USDT").trips
    risk = measure_risk(trip, planned_risk_per_unit=None, default_stop_percent=D("0"))
    assert risk.r_multiple is None and risk.stop_assumed is True


amounts = st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3)
orders = st.lists(st.tuples(st.sampled_from(["buy", "sell"]), amounts, amounts, amounts), min_size=1, max_size=30)


@given(orders)
def test_the_trips_net_p_and_l_is_the_cash_the_fills_moved_once_flat(rows):
    """Close whatever is left at the last price; then every quote unit paid or received, fees
    included, is in exactly one trip, and every fill in at least one."""
    position = sum((q if side == "buy" else -q) for side, q, _, _ in rows)
    if position != 0:
        rows = [*rows, ("sell" if position > 0 else "buy", abs(position), rows[-1][2], D(0))]
    given_fills = fills(*[(side, q, p, fee, "USDT") for side, q, p, fee in rows])
    matched = match_fills(given_fills, symbol="BTC_USDT")
    cash = sum((f.quantity * f.price * (1 if f.side == "sell" else -1) - f.fee for f in given_fills), D(0))
    assert sum((t.net_pnl for t in matched.trips), D(0)) == cash
    assert sum((t.fees for t in matched.trips), D(0)) == sum((f.fee for f in given_fills), D(0))
    assert matched.open_fills == []
    assert {i for t in matched.trips for i in t.fill_ids} == {f.id for f in given_fills}
    for trip in matched.trips:
        assert trip.entry_quantity == trip.exit_quantity
