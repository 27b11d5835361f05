"""The decision loop's rules, one at a time and all together, its sizing, and `validate_ticket`."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from apps.trades.decision import (
    RULES,
    AccountSnapshot,
    Limits,
    TakeProfit,
    Ticket,
    decide_trade,
    drawdown_percent,
    validate_ticket,
)

LIMITS = Limits(
    account_risk_percent=D("1"),
    max_risk_amount=D("1000"),
    max_position_size=D("10"),
    max_leverage=5,
    daily_max_drawdown_percent=D("5"),
    max_open_positions=3,
    require_stop_loss=True,
    min_risk_reward_ratio=D("1.5"),
)
ACCOUNT = AccountSnapshot(equity=D("100000"), starting_equity=D("100000"), open_positions=0)
# Risk 1,000 per unit; account risk allows 1,000 / 1,000 = 1 unit; R:R 2.
TICKET = Ticket(
    symbol="BTC_USDT",
    side="buy",
    quantity=D("0.5"),
    entry_price=D("50000"),
    stop_loss_price=D("49000"),
    take_profits=(TakeProfit(price=D("52000"), quantity=D("0.5")),),
    leverage=2,
)


def rules(verdict):
    return [violation.rule for violation in verdict.violations]


def test_it_approves_a_ticket_inside_every_limit():
    verdict = decide_trade(TICKET, LIMITS, ACCOUNT)
    assert verdict.approved
    assert verdict.violations == ()
    assert verdict.quantity == D("0.5")
    assert verdict.max_quantity == D("1")
    assert verdict.risk_amount == D("500")
    assert verdict.risk_reward == D("2")
    assert verdict.drawdown_percent == 0


@pytest.mark.parametrize(
    ("rule", "ticket", "limits", "account", "message"),
    [
        (
            "stop_loss_required",
            replace(TICKET, stop_loss_price=None),
            LIMITS,
            ACCOUNT,
            "A stop-loss is required by your risk settings.",
        ),
        ("leverage", replace(TICKET, leverage=10), LIMITS, ACCOUNT, "Leverage 10x is above the maximum 5x."),
        (
            "max_open_positions",
            TICKET,
            LIMITS,
            replace(ACCOUNT, open_positions=3),
            "3 open positions reach the maximum 3.",
        ),
        (
            "daily_drawdown",
            TICKET,
            LIMITS,
            replace(ACCOUNT, equity=D("94800")),
            "Daily drawdown 5.20% reaches the limit 5.00%.",
        ),
        (
            "risk_reward",
            replace(TICKET, take_profits=(TakeProfit(price=D("51200"), quantity=D("0.5")),)),
            LIMITS,
            ACCOUNT,
            "Risk:reward 1.20 is below the minimum 1.50.",
        ),
        (
            "position_size",
            replace(TICKET, quantity=D("1.5"), take_profits=(TakeProfit(price=D("52000"), quantity=D("1.5")),)),
            LIMITS,
            ACCOUNT,
            "Quantity 1.5 is above the maximum 1 set by account risk 1% of equity.",
        ),
    ],
)
def test_each_rule_rejects_on_its_own_with_a_message_naming_the_limit(rule, ticket, limits, account, message):
    verdict = decide_trade(ticket, limits, account)
    assert not verdict.approved
    assert [(v.rule, v.message) for v in verdict.violations] == [(rule, message)]


def test_it_reports_every_broken_rule_at_once_in_rule_order():
    ticket = replace(TICKET, quantity=D("20"), stop_loss_price=None, leverage=50)
    limits = replace(LIMITS, max_open_positions=1)
    # Without a stop, R:R cannot break: check it separately with a stop and a poor target.
    verdict = decide_trade(ticket, limits, AccountSnapshot(D("90000"), D("100000"), 1))
    assert rules(verdict) == ["stop_loss_required", "leverage", "max_open_positions", "daily_drawdown", "position_size"]

    with_stop = replace(ticket, stop_loss_price=D("49000"), take_profits=(TakeProfit(D("50100"), D("20")),))
    verdict = decide_trade(with_stop, limits, AccountSnapshot(D("90000"), D("100000"), 1))
    assert rules(verdict) == ["leverage", "max_open_positions", "daily_drawdown", "risk_reward", "position_size"]
    assert set(RULES) == set(rules(verdict)) | {"stop_loss_required"}


def test_drawdown_exactly_at_the_limit_rejects():
    verdict = decide_trade(TICKET, LIMITS, replace(ACCOUNT, equity=D("95000")))
    assert rules(verdict) == ["daily_drawdown"]
    assert verdict.drawdown_percent == D("5")


def test_a_gain_over_the_day_is_no_drawdown():
    assert decide_trade(TICKET, LIMITS, replace(ACCOUNT, equity=D("120000"))).drawdown_percent == 0


@pytest.mark.parametrize(
    ("equity", "start", "expected"),
    [(D("-1"), D("0"), D("100")), (D("0"), D("0"), D("0")), (D("5"), D("0"), D("0")), (D("-5"), D("-10"), D("100"))],
)
def test_drawdown_without_a_positive_start_counts_negative_equity_as_a_full_loss(equity, start, expected):
    assert drawdown_percent(AccountSnapshot(equity, start, 0)) == expected


def test_orders_skip_the_stop_loss_and_risk_reward_rules():
    order = replace(TICKET, kind="order", stop_loss_price=None, take_profits=())
    assert decide_trade(order, LIMITS, ACCOUNT).approved
    poor = replace(TICKET, kind="order", take_profits=(TakeProfit(D("50100"), D("0.5")),))
    verdict = decide_trade(poor, LIMITS, ACCOUNT)
    assert verdict.approved
    assert verdict.risk_reward == D("0.1")


def test_without_take_profits_risk_reward_is_not_measured_and_not_broken():
    verdict = decide_trade(replace(TICKET, take_profits=()), LIMITS, ACCOUNT)
    assert verdict.approved
    assert verdict.risk_reward is None


def test_without_require_stop_loss_a_ticket_without_stop_is_sized_by_the_other_two_limits():
    limits = replace(LIMITS, require_stop_loss=False)
    verdict = decide_trade(replace(TICKET, stop_loss_price=None, quantity=None), limits, ACCOUNT)
    assert verdict.approved
    assert set(verdict.size_limits) == {"max_position_size", "leverage"}
    assert verdict.quantity == D("10")
    assert verdict.risk_amount is None


# --- sizing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("binding", "limits", "account", "expected"),
    [
        # 100,000 x 1% / 1,000 = 1
        ("account_risk", LIMITS, ACCOUNT, D("1")),
        # 700 / 1,000 = 0.7
        ("max_risk_amount", replace(LIMITS, max_risk_amount=D("700")), ACCOUNT, D("0.7")),
        ("max_position_size", replace(LIMITS, max_position_size=D("0.25")), ACCOUNT, D("0.25")),
        # 8,000 x 5 / 50,000 = 0.8, while account risk allows 8,000 x 50% / 1,000 = 4
        (
            "leverage",
            replace(LIMITS, account_risk_percent=D("50")),
            AccountSnapshot(D("8000"), D("8000"), 0),
            D("0.8"),
        ),
    ],
)
def test_the_size_is_the_smallest_of_the_four_constraints(binding, limits, account, expected):
    verdict = decide_trade(replace(TICKET, quantity=None), limits, account)
    assert verdict.approved
    assert verdict.quantity == verdict.max_quantity == expected
    assert verdict.size_limits[binding] == expected
    assert min(verdict.size_limits.values()) == expected
    assert set(verdict.size_limits) == {"account_risk", "max_risk_amount", "max_position_size", "leverage"}


def test_without_a_max_position_size_the_size_has_no_unit_cap():
    limits = replace(LIMITS, max_position_size=None, require_stop_loss=False)
    rich = AccountSnapshot(equity=D("1000000"), starting_equity=D("1000000"), open_positions=0)
    verdict = decide_trade(replace(TICKET, stop_loss_price=None, quantity=None), limits, rich)
    assert verdict.approved
    assert set(verdict.size_limits) == {"leverage"}
    # 1,000,000 x 5 / 50,000: only the leverage limit bounds it, far above the old cap of 10
    assert verdict.quantity == D("100")


def test_without_a_max_position_size_a_large_order_is_judged_by_the_other_limits():
    order = replace(TICKET, kind="order", stop_loss_price=None, take_profits=(), quantity=D("9.5"))
    assert decide_trade(order, replace(LIMITS, max_position_size=None), ACCOUNT).approved
    too_big = decide_trade(replace(order, quantity=D("10.5")), replace(LIMITS, max_position_size=None), ACCOUNT)
    assert [v.rule for v in too_big.violations] == ["position_size"]
    assert too_big.violations[0].message == "Quantity 10.5 is above the maximum 10 set by max leverage 5x."


def test_the_message_names_the_binding_constraint():
    limits = replace(LIMITS, max_position_size=D("0.25"))
    verdict = decide_trade(TICKET, limits, ACCOUNT)
    assert verdict.violations[0].message == "Quantity 0.5 is above the maximum 0.25 set by max position size 0.25."


def test_the_computed_size_is_exact_for_awkward_prices():
    ticket = replace(TICKET, quantity=None, entry_price=D("3"), stop_loss_price=D("2.3"), take_profits=())
    verdict = decide_trade(ticket, replace(LIMITS, max_position_size=D("100000")), ACCOUNT)
    # 1,000 / 0.7 = 1428.571428..., never rounded up
    assert verdict.size_limits["account_risk"] * D("0.7") <= D("1000")
    assert str(verdict.size_limits["account_risk"]).startswith("1428.571428571428571428")


def test_a_computed_size_is_rounded_down_to_the_lot_step():
    ticket = replace(TICKET, quantity=None, take_profits=(), quantity_step=D("0.3"))
    verdict = decide_trade(ticket, LIMITS, ACCOUNT)
    assert verdict.max_quantity == D("0.9")
    assert verdict.quantity == D("0.9")
    assert verdict.risk_amount == D("900")


def test_an_asked_quantity_above_the_rounded_maximum_is_rejected():
    ticket = replace(TICKET, quantity=D("0.95"), take_profits=(), quantity_step=D("0.3"))
    verdict = decide_trade(ticket, LIMITS, ACCOUNT)
    assert rules(verdict) == ["position_size"]


def test_quantity_none_weighs_targets_equally_when_they_carry_no_quantities():
    targets = (TakeProfit(D("51000"), D("0")), TakeProfit(D("53000"), D("0")))
    verdict = decide_trade(replace(TICKET, quantity=None, take_profits=targets), LIMITS, ACCOUNT)
    assert verdict.risk_reward == D("2")  # (1,000 + 3,000) / 2 / 1,000
    assert verdict.quantity == D("1")


def test_risk_reward_weighs_targets_by_their_quantities():
    targets = (TakeProfit(D("51000"), D("0.3")), TakeProfit(D("53000"), D("0.1")), TakeProfit(D("54000"), D("0.1")))
    verdict = decide_trade(replace(TICKET, take_profits=targets), LIMITS, ACCOUNT)
    assert verdict.risk_reward == D("2")  # (0.3 x 1,000 + 0.1 x 3,000 + 0.1 x 4,000) / 0.5 / 1,000


def test_a_sell_is_sized_like_the_mirrored_buy():
    sell = replace(TICKET, side="sell", stop_loss_price=D("51000"), take_profits=(TakeProfit(D("48000"), D("0.5")),))
    buy, mirrored = decide_trade(TICKET, LIMITS, ACCOUNT), decide_trade(sell, LIMITS, ACCOUNT)
    assert mirrored.approved
    assert (mirrored.max_quantity, mirrored.risk_reward, mirrored.risk_amount) == (
        buy.max_quantity,
        buy.risk_reward,
        buy.risk_amount,
    )


@pytest.mark.parametrize("equity", [D("0"), D("-50")])
def test_no_equity_sizes_to_zero_and_rejects(equity):
    verdict = decide_trade(replace(TICKET, quantity=None), LIMITS, AccountSnapshot(equity, D("100"), 0))
    assert verdict.max_quantity == 0
    assert verdict.quantity == 0
    assert "position_size" in rules(verdict)
    message = next(v.message for v in verdict.violations if v.rule == "position_size")
    assert message.startswith("Position size 0 is not above zero (the largest allowed is 0")


# --- validate_ticket ---------------------------------------------------------------------


def test_a_consistent_ticket_has_no_errors():
    assert validate_ticket(TICKET) == []
    assert validate_ticket(replace(TICKET, quantity=None, take_profits=(TakeProfit(D("52000"), D("0")),))) == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"side": "long"}, "side: must be buy or sell."),
        ({"kind": "swap"}, "kind: must be group, order or close."),
        ({"entry_price": D("0")}, "entry_price: must be a positive number."),
        ({"entry_price": D("NaN")}, "entry_price: must be a positive number."),
        ({"quantity": D("-1")}, "quantity: must be a positive number."),
        ({"quantity_step": D("0")}, "quantity_step: must be a positive number."),
        ({"leverage": 0}, "leverage: must be at least 1."),
        ({"stop_loss_price": D("51000")}, "stop_loss_price: must be below the entry price for a buy."),
        ({"stop_loss_price": D("50000")}, "stop_loss_price: must be below the entry price for a buy."),
        ({"stop_loss_price": D("-1")}, "stop_loss_price: must be a positive number."),
        (
            {"take_profits": (TakeProfit(D("49500"), D("0.5")),)},
            "take_profits[0].price: must be above the entry price for a buy.",
        ),
        (
            {"take_profits": (TakeProfit(D("52000"), D("0.2")), TakeProfit(D("53000"), D("0.2")))},
            "take_profits: quantities sum to 0.4, not the quantity 0.5.",
        ),
        (
            {"take_profits": (TakeProfit(D("52000"), D("0.5")), TakeProfit(D("53000"), D("0")))},
            "take_profits[1].quantity: must be a positive number.",
        ),
        (
            {"take_profits": (TakeProfit(D("52000"), D("0.6")), TakeProfit(D("53000"), D("-0.1")))},
            "take_profits[1].quantity: must not be negative.",
        ),
    ],
)
def test_validate_ticket_names_the_field_at_fault(changes, error):
    assert error in validate_ticket(replace(TICKET, **changes))


def test_validate_ticket_checks_sell_geometry_the_other_way_round():
    sell = replace(TICKET, side="sell", stop_loss_price=D("49000"), take_profits=(TakeProfit(D("52000"), D("0.5")),))
    assert validate_ticket(sell) == [
        "stop_loss_price: must be above the entry price for a sell.",
        "take_profits[0].price: must be below the entry price for a sell.",
    ]


def test_a_ticket_that_only_closes_a_position_is_never_held_back_by_the_opening_limits():
    at_every_limit = AccountSnapshot(equity=D("90000"), starting_equity=D("100000"), open_positions=3)
    close = Ticket(symbol="BTC_USDT", side="sell", quantity=D("20"), entry_price=D("50000"), kind="close", leverage=9)

    assert decide_trade(close, LIMITS, at_every_limit).approved
    opening = replace(close, kind="order")
    assert rules(decide_trade(opening, LIMITS, at_every_limit)) == [
        "leverage",
        "max_open_positions",
        "daily_drawdown",
        "position_size",
    ]
    assert rules(decide_trade(replace(close, quantity=D("0")), LIMITS, at_every_limit)) == ["position_size"]
