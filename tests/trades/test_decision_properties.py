"""Invariants of the decision loop over generated tickets, limits and accounts (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from decimal import localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.trades.decision import AccountSnapshot, Limits, TakeProfit, Ticket, decide_trade, validate_ticket

settings.register_profile("decision", max_examples=300, deadline=None)
settings.load_profile("decision")


def amounts(low: str, high: str, places: int = 4) -> st.SearchStrategy[D]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False)


limits_strategy = st.builds(
    Limits,
    account_risk_percent=amounts("0.001", "100", 3),
    max_risk_amount=amounts("0.01", "1000000", 2),
    max_position_size=st.none() | amounts("0.0001", "100000"),
    max_leverage=st.integers(1, 125),
    daily_max_drawdown_percent=amounts("0.001", "100", 3),
    max_open_positions=st.integers(1, 50),
    require_stop_loss=st.booleans(),
    min_risk_reward_ratio=amounts("0.001", "10", 3),
)


@st.composite
def accounts(draw: st.DrawFn) -> AccountSnapshot:
    start = draw(amounts("1", "10000000", 2))
    equity = draw(amounts("0.01", "20000000", 2))
    return AccountSnapshot(equity=equity, starting_equity=start, open_positions=draw(st.integers(0, 60)))


def _targets(draw: st.DrawFn, entry: D, quantity: D | None) -> tuple[TakeProfit, ...]:
    count = draw(st.integers(0, 4))
    if not count:
        return ()
    prices = [entry + draw(amounts("0.0001", "100000")) for _ in range(count)]
    if quantity is None:
        shares = [D(0)] * count
    else:
        shares = [(quantity / count).quantize(D("0.0001"))] * (count - 1)
        shares.append(quantity - sum(shares, D(0)))
        if any(share <= 0 for share in shares):
            prices, shares = prices[:1], [quantity]
    return tuple(TakeProfit(price=p, quantity=q) for p, q in zip(prices, shares, strict=True))


@st.composite
def buy_tickets(draw: st.DrawFn, *, with_quantity: bool | None = None) -> Ticket:
    """A consistent buy: stop below the entry (or none), targets above it."""
    entry = draw(amounts("0.01", "100000"))
    stop = None
    if draw(st.booleans()):
        stop = (entry - draw(amounts("0.0001", str(entry))) * D("0.999")).quantize(D("0.0001"))
        if not 0 < stop < entry:
            stop = None
    has_quantity = draw(st.booleans()) if with_quantity is None else with_quantity
    quantity = draw(amounts("0.0001", "1000")) if has_quantity else None
    return Ticket(
        symbol="BTC_USDT",
        side="buy",
        quantity=quantity,
        entry_price=entry,
        stop_loss_price=stop,
        take_profits=_targets(draw, entry, quantity),
        leverage=draw(st.integers(1, 150)),
        kind=draw(st.sampled_from(["group", "order"])),
        quantity_step=draw(st.none() | st.sampled_from([D("0.001"), D("0.01"), D("0.1"), D("1")])),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Ticket, Limits, AccountSnapshot]:
    """Half the time anything goes; the other half a ticket that most rules let through (its
    leverage, the open positions and the drawdown inside the limits, a quantity up to the
    computed maximum), so the properties about approvals see plenty of them."""
    ticket, limits, account = draw(buy_tickets()), draw(limits_strategy), draw(accounts())
    if not draw(st.booleans()):
        return ticket, limits, account
    start = account.starting_equity
    keep = 1 - limits.daily_max_drawdown_percent / 100 * D("0.99")
    equity = (start * draw(amounts(str(keep), "3", 6))).quantize(D("0.01"))
    account = AccountSnapshot(equity=equity, starting_equity=start, open_positions=limits.max_open_positions - 1)
    ticket = replace(ticket, leverage=draw(st.integers(1, limits.max_leverage)))
    largest = decide_trade(replace(ticket, quantity=None), limits, account).max_quantity
    quantity = (largest * draw(amounts("0.01", "1.01", 4))).quantize(D("0.0001"))
    if quantity > 0:
        ticket = replace(ticket, quantity=quantity, take_profits=_targets(draw, ticket.entry_price, quantity))
    return ticket, limits, account


def mirrored(ticket: Ticket) -> Ticket:
    """The sell with the same distances, around an entry high enough to keep prices positive."""
    shift = max([t.price for t in ticket.take_profits] + [ticket.entry_price]) * 2
    entry = shift - ticket.entry_price
    return replace(
        ticket,
        side="sell",
        entry_price=entry,
        stop_loss_price=None if ticket.stop_loss_price is None else shift - ticket.stop_loss_price,
        take_profits=tuple(replace(t, price=shift - t.price) for t in ticket.take_profits),
    )


def test_generated_tickets_are_consistent():
    @given(buy_tickets())
    def check(ticket):
        assert validate_ticket(ticket) == []
        assert validate_ticket(mirrored(ticket)) == []

    check()


@given(cases())
def test_it_never_raises_and_approves_exactly_when_nothing_is_violated(case):
    ticket, limits, account = case
    verdict = decide_trade(ticket, limits, account)
    assert verdict.approved == (verdict.violations == ())
    assert verdict.max_quantity >= 0
    assert verdict.max_quantity <= min(verdict.size_limits.values())


@given(cases())
def test_an_approved_size_breaks_no_size_constraint(case):
    ticket, limits, account = case
    verdict = decide_trade(ticket, limits, account)
    if not verdict.approved:
        return
    quantity = verdict.quantity
    with localcontext(prec=200):
        assert quantity > 0
        if limits.max_position_size is not None:
            assert quantity <= limits.max_position_size
        assert quantity * ticket.entry_price <= account.equity * limits.max_leverage
        if ticket.stop_loss_price is not None:
            risk = quantity * abs(ticket.entry_price - ticket.stop_loss_price)
            # The loop works to 60 significant digits, rounding down: its figure may fall short of
            # the exact risk in the last digits, never exceed it.
            assert verdict.risk_amount <= risk
            assert risk - verdict.risk_amount <= risk.scaleb(-55)
            assert risk * 100 <= account.equity * limits.account_risk_percent
            assert risk <= limits.max_risk_amount
        if ticket.quantity_step is not None and ticket.quantity is None:
            assert quantity % ticket.quantity_step == 0


@given(cases(), amounts("0.0001", "1"))
def test_shrinking_an_approved_quantity_keeps_it_approved(case, fraction):
    ticket, limits, account = case
    if ticket.quantity is None or not decide_trade(ticket, limits, account).approved:
        return
    smaller = (ticket.quantity * fraction).quantize(D("0.00000001"))
    if smaller <= 0:
        return
    assert decide_trade(replace(ticket, quantity=smaller), limits, account).approved


@given(buy_tickets(), limits_strategy, accounts())
def test_a_sell_gets_the_verdict_of_the_mirrored_buy_except_for_the_leverage_cap(ticket, limits, account):
    # The mirrored entry price differs, so only the leverage constraint (equity x leverage /
    # entry) may differ: without it the two must agree on everything.
    limits = replace(limits, max_leverage=125)
    account = replace(account, equity=account.equity * 10**9)
    buy, sell = decide_trade(ticket, limits, account), decide_trade(mirrored(ticket), limits, account)
    buy_limits = {k: v for k, v in buy.size_limits.items() if k != "leverage"}
    sell_limits = {k: v for k, v in sell.size_limits.items() if k != "leverage"}
    assert buy_limits == sell_limits
    assert buy.risk_reward == sell.risk_reward
    # Leverage binds when it is the smallest limit (always, without a stop or a position cap);
    # then an asked-for size, and the risk it carries, may differ too.
    leverage_binds = any(
        not others or min(others.values()) >= verdict.size_limits["leverage"]
        for others, verdict in ((buy_limits, buy), (sell_limits, sell))
    )
    if ticket.quantity is not None or not leverage_binds:
        assert buy.risk_amount == sell.risk_amount
    if not leverage_binds:
        assert (buy.approved, buy.max_quantity, [v.rule for v in buy.violations]) == (
            sell.approved,
            sell.max_quantity,
            [v.rule for v in sell.violations],
        )


@given(buy_tickets(with_quantity=False), limits_strategy, accounts())
def test_asking_for_the_size_gets_the_largest_allowed(ticket, limits, account):
    verdict = decide_trade(ticket, limits, account)
    assert verdict.quantity == verdict.max_quantity
    assert ("position_size" in [v.rule for v in verdict.violations]) == (verdict.max_quantity <= 0)
