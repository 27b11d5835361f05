"""The risk decision loop: a pure function from (ticket, limits, account state) to a verdict.

No database, no network, no clock: everything it needs is passed in, so it is fast enough to run
on every ticket and every preview, and its invariants are checked by property tests.

Rules, each named in a rejection (`Violation.rule`):
- `stop_loss_required`  the risk config requires a stop-loss and the ticket has none
- `leverage`            the ticket's leverage is above `max_leverage`
- `max_open_positions`  the account already holds `max_open_positions` open positions
- `daily_drawdown`      equity is down `daily_max_drawdown_percent` or more from the day's start
- `risk_reward`         reward (quantity-weighted take-profits) : risk (entry to stop) is below the minimum
- `position_size`       the quantity is above the smallest of the four size constraints:
                        account risk % of equity / stop distance, max risk amount / stop distance,
                        max position size (when one is set), and equity x max leverage / entry price

Details a trader can rely on:
- Every violated rule is reported, not just the first; the verdict is approved iff there is none.
- The stop-based constraints (account risk, max risk amount) apply only with a stop at a distance
  from the entry; the max position size only when one is set (`None`, the default, is no cap).
  The leverage constraint uses the config's `max_leverage` (the most the trader allows), not
  the ticket's own leverage. The smallest constraint, rounded down to the
  ticket's `quantity_step`, is `max_quantity`; it is never negative (equity <= 0 sizes to 0).
- `quantity=None` takes `max_quantity` as the size; a size of 0 is a `position_size` rejection.
- `stop_loss_required` and `risk_reward` apply to trade groups (`kind="group"`) only.
- A ticket that only reduces a position the account holds (`kind="close"`) lowers the risk: only
  a size above zero is asked of it, so a trader at a limit (open positions, daily drawdown) can
  always get out.
- Risk:reward is computed when there is a stop and at least one take-profit: the targets'
  distances from the entry weighted by their quantities (equal weights when none carries one),
  over the stop distance. A group without targets has no reward to measure: R:R stays None and
  the rule is not broken (its risk is still bounded by the stop and the size constraints).
- Drawdown is measured from the day's starting equity; gains count as 0%; with no positive
  starting equity, negative equity is a 100% drawdown and anything else 0%.
- Decimal arithmetic in a local context (60 digits, rounding toward minus infinity, so computed
  limits never exceed their exact value); numbers are rounded only for messages.
- The ticket's own geometry (sides of stop and targets, target quantities summing to the
  quantity, positive prices) is `validate_ticket`'s job, checked before the loop runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.trades.models import RiskConfig

RULES = (
    "stop_loss_required",
    "leverage",
    "max_open_positions",
    "daily_drawdown",
    "risk_reward",
    "position_size",
)


@dataclass(frozen=True)
class TakeProfit:
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class Ticket:
    symbol: str
    side: str  # "buy" | "sell"
    # None asks the loop for the largest size the rules allow (the ticket page's preview).
    quantity: Decimal | None
    # The limit price, or the current price for a market entry.
    entry_price: Decimal
    stop_loss_price: Decimal | None = None
    take_profits: tuple[TakeProfit, ...] = ()
    leverage: int = 1
    # "group": a seed-003 trade (entry + stop + targets); "order": a seed-004 order on its own,
    # for which the stop-loss and risk:reward rules do not apply (it carries no stop or target);
    # "close": an order that only reduces a position the account holds.
    kind: str = "group"
    # The venue's lot size: a computed size is rounded down to it.
    quantity_step: Decimal | None = None


@dataclass(frozen=True)
class Limits:
    """The risk config's values, copied so the loop never touches a model."""

    account_risk_percent: Decimal
    max_risk_amount: Decimal
    max_position_size: Decimal | None  # None: no cap
    max_leverage: int
    daily_max_drawdown_percent: Decimal
    max_open_positions: int
    require_stop_loss: bool
    min_risk_reward_ratio: Decimal

    @classmethod
    def from_config(cls, config: RiskConfig) -> Limits:
        return cls(
            account_risk_percent=config.account_risk_percent,
            max_risk_amount=config.max_risk_amount,
            max_position_size=config.max_position_size,
            max_leverage=config.max_leverage,
            daily_max_drawdown_percent=config.daily_max_drawdown_percent,
            max_open_positions=config.max_open_positions,
            require_stop_loss=config.require_stop_loss,
            min_risk_reward_ratio=config.min_risk_reward_ratio,
        )


@dataclass(frozen=True)
class AccountSnapshot:
    equity: Decimal  # now: balance plus unrealised P&L, in the quote asset
    starting_equity: Decimal  # at the start of the UTC day
    open_positions: int


@dataclass(frozen=True)
class Violation:
    rule: str  # one of RULES
    message: str  # what a trader reads: the limit and the ticket's value


@dataclass(frozen=True)
class Verdict:
    approved: bool
    # The size to send: the ticket's quantity, or the computed maximum when it asked for one.
    quantity: Decimal
    # The largest size every size constraint allows (None when none applies... never: leverage always does).
    max_quantity: Decimal
    # Each size constraint's own maximum, by name: "account_risk", "max_risk_amount",
    # "max_position_size", "leverage" (the first two only when the ticket has a stop, the third
    # only when a cap is set).
    size_limits: dict[str, Decimal] = field(default_factory=dict)
    risk_amount: Decimal | None = None  # quote asset lost if the stop is hit at `quantity`
    risk_reward: Decimal | None = None
    drawdown_percent: Decimal = Decimal(0)
    violations: tuple[Violation, ...] = ()


# Wide enough that products of two 38-digit amounts lose nothing a trader could see; rounding
# toward minus infinity keeps every computed size limit at or below its exact value, so an
# approved size never breaks a constraint by a last-digit rounding.
_CONTEXT = Context(prec=60, rounding=ROUND_FLOOR)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_SIDES = ("buy", "sell")
_KINDS = ("group", "order", "close")


def decide_trade(ticket: Ticket, limits: Limits, account: AccountSnapshot) -> Verdict:
    """Approve the ticket with its final size, or reject it naming every rule it breaks."""
    with localcontext(_CONTEXT):
        return _decide(ticket, limits, account)


def _decide(ticket: Ticket, limits: Limits, account: AccountSnapshot) -> Verdict:
    entry = ticket.entry_price
    stop = ticket.stop_loss_price
    equity = account.equity
    risk_per_unit = abs(entry - stop) if stop is not None else None
    has_stop_distance = risk_per_unit is not None and risk_per_unit > 0

    size_limits: dict[str, Decimal] = {}
    if has_stop_distance:
        size_limits["account_risk"] = _non_negative(equity * limits.account_risk_percent / _HUNDRED / risk_per_unit)
        size_limits["max_risk_amount"] = _non_negative(limits.max_risk_amount / risk_per_unit)
    if limits.max_position_size is not None:
        size_limits["max_position_size"] = _non_negative(limits.max_position_size)
    size_limits["leverage"] = _non_negative(equity * limits.max_leverage / entry) if entry > 0 else _ZERO
    binding = min(size_limits, key=size_limits.__getitem__)
    max_quantity = _round_down(size_limits[binding], ticket.quantity_step)
    quantity = max_quantity if ticket.quantity is None else ticket.quantity

    risk_reward = _risk_reward(ticket, risk_per_unit) if has_stop_distance else None
    drawdown = _drawdown_percent(account)
    violations: list[Violation] = []

    if ticket.kind == "group" and limits.require_stop_loss and stop is None:
        violations.append(Violation("stop_loss_required", "A stop-loss is required by your risk settings."))
    opening = ticket.kind != "close"
    if opening and ticket.leverage > limits.max_leverage:
        violations.append(
            Violation("leverage", f"Leverage {ticket.leverage}x is above the maximum {limits.max_leverage}x.")
        )
    if opening and account.open_positions >= limits.max_open_positions:
        violations.append(
            Violation(
                "max_open_positions",
                f"{account.open_positions} open positions reach the maximum {limits.max_open_positions}.",
            )
        )
    if opening and drawdown >= limits.daily_max_drawdown_percent:
        violations.append(
            Violation(
                "daily_drawdown",
                f"Daily drawdown {_fixed(drawdown)}% reaches the limit {_fixed(limits.daily_max_drawdown_percent)}%.",
            )
        )
    if ticket.kind == "group" and risk_reward is not None and risk_reward < limits.min_risk_reward_ratio:
        violations.append(
            Violation(
                "risk_reward",
                f"Risk:reward {_fixed(risk_reward)} is below the minimum {_fixed(limits.min_risk_reward_ratio)}.",
            )
        )
    if quantity <= 0:
        violations.append(
            Violation(
                "position_size",
                f"Position size {_amount(quantity)} is not above zero "
                f"(the largest allowed is {_amount(max_quantity)}, set by {_limit_label(binding, limits)}).",
            )
        )
    elif opening and quantity > max_quantity:
        violations.append(
            Violation(
                "position_size",
                f"Quantity {_amount(quantity)} is above the maximum {_amount(max_quantity)} "
                f"set by {_limit_label(binding, limits)}.",
            )
        )

    return Verdict(
        approved=not violations,
        quantity=quantity,
        max_quantity=max_quantity,
        size_limits=size_limits,
        risk_amount=quantity * risk_per_unit if risk_per_unit is not None else None,
        risk_reward=risk_reward,
        drawdown_percent=drawdown,
        violations=tuple(violations),
    )


def _risk_reward(ticket: Ticket, risk_per_unit: Decimal) -> Decimal | None:
    """Quantity-weighted reward per unit over the stop distance; equal weights when the
    targets carry no quantities (a preview that asks for the size). A target on the wrong side
    of the entry counts as negative reward, never as reward."""
    targets = ticket.take_profits
    if not targets:
        return None
    direction = 1 if ticket.side == "buy" else -1
    weights = [max(target.quantity, _ZERO) for target in targets]
    total = sum(weights, _ZERO)
    if total <= 0:
        weights = [Decimal(1)] * len(targets)
        total = Decimal(len(targets))
    reward = sum(
        (
            weight * (target.price - ticket.entry_price) * direction
            for weight, target in zip(weights, targets, strict=True)
        ),
        _ZERO,
    )
    return reward / total / risk_per_unit


def drawdown_percent(account: AccountSnapshot) -> Decimal:
    """The daily drawdown `decide_trade` measures, for the risk watch and the pages."""
    with localcontext(_CONTEXT):
        return _drawdown_percent(account)


def _drawdown_percent(account: AccountSnapshot) -> Decimal:
    """How far equity is below the day's start, in percent; gains count as 0. Without a
    positive starting equity there is no base to measure from: negative equity then counts as
    a full (100%) drawdown, anything else as none."""
    start = account.starting_equity
    if start <= 0:
        return _HUNDRED if account.equity < 0 else _ZERO
    if account.equity >= start:
        return _ZERO
    return (start - account.equity) * _HUNDRED / start


def _non_negative(value: Decimal) -> Decimal:
    return value if value > 0 else _ZERO


def _round_down(value: Decimal, step: Decimal | None) -> Decimal:
    if step is None or step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _limit_label(name: str, limits: Limits) -> str:
    if name == "account_risk":
        return f"account risk {_amount(limits.account_risk_percent)}% of equity"
    if name == "max_risk_amount":
        return f"max risk amount {_amount(limits.max_risk_amount)}"
    if name == "max_position_size":
        return f"max position size {_amount(limits.max_position_size)}"
    return f"max leverage {limits.max_leverage}x"


def _fixed(value: Decimal) -> str:
    """Two decimals, for percentages and ratios in messages."""
    try:
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):f}"
    except InvalidOperation:
        return f"{value:f}"


def _amount(value: Decimal) -> str:
    """Up to 8 decimals without trailing zeros, for quantities and amounts in messages."""
    try:
        shown = value.quantize(Decimal("1e-8"), rounding=ROUND_DOWN).normalize()
    except InvalidOperation:
        shown = value
    return f"{shown:f}"


def validate_ticket(ticket: Ticket) -> list[str]:
    """The ticket's own consistency, before any rule: errors the API turns into a 400, each
    naming its field. `decide_trade` assumes a ticket that passes."""
    errors: list[str] = []
    if ticket.side not in _SIDES:
        errors.append("side: must be buy or sell.")
    if ticket.kind not in _KINDS:
        errors.append("kind: must be group, order or close.")
    if not _positive(ticket.entry_price):
        errors.append("entry_price: must be a positive number.")
    if ticket.quantity is not None and not _positive(ticket.quantity):
        errors.append("quantity: must be a positive number.")
    if ticket.quantity_step is not None and not _positive(ticket.quantity_step):
        errors.append("quantity_step: must be a positive number.")
    if ticket.leverage < 1:
        errors.append("leverage: must be at least 1.")
    if ticket.side not in _SIDES or not _positive(ticket.entry_price):
        return errors  # the geometry below needs a side and an entry to measure from

    buy = ticket.side == "buy"
    entry = ticket.entry_price
    stop = ticket.stop_loss_price
    if stop is not None:
        if not _positive(stop):
            errors.append("stop_loss_price: must be a positive number.")
        elif buy and stop >= entry:
            errors.append("stop_loss_price: must be below the entry price for a buy.")
        elif not buy and stop <= entry:
            errors.append("stop_loss_price: must be above the entry price for a sell.")
    for index, target in enumerate(ticket.take_profits):
        if not _positive(target.price):
            errors.append(f"take_profits[{index}].price: must be a positive number.")
        elif buy and target.price <= entry:
            errors.append(f"take_profits[{index}].price: must be above the entry price for a buy.")
        elif not buy and target.price >= entry:
            errors.append(f"take_profits[{index}].price: must be below the entry price for a sell.")
        if not target.quantity.is_finite() or target.quantity < 0:
            errors.append(f"take_profits[{index}].quantity: must not be negative.")
        elif ticket.quantity is not None and target.quantity == 0:
            errors.append(f"take_profits[{index}].quantity: must be a positive number.")
    if ticket.take_profits and ticket.quantity is not None and _positive(ticket.quantity):
        quantities = [target.quantity for target in ticket.take_profits]
        if all(quantity.is_finite() for quantity in quantities):
            total = sum(quantities, _ZERO)
            if total != ticket.quantity:
                errors.append(
                    f"take_profits: quantities sum to {total.normalize():f}, "
                    f"not the quantity {ticket.quantity.normalize():f}."
                )
    return errors


def _positive(value: Decimal) -> bool:
    return value.is_finite() and value > 0
