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
                        max position size, and equity x max leverage / entry price
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
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
    # for which the stop-loss and risk:reward rules do not apply (it carries no stop or target).
    kind: str = "group"
    # The venue's lot size: a computed size is rounded down to it.
    quantity_step: Decimal | None = None


@dataclass(frozen=True)
class Limits:
    """The risk config's values, copied so the loop never touches a model."""

    account_risk_percent: Decimal
    max_risk_amount: Decimal
    max_position_size: Decimal
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
    # "max_position_size", "leverage" (the first two only when the ticket has a stop).
    size_limits: dict[str, Decimal] = field(default_factory=dict)
    risk_amount: Decimal | None = None  # quote asset lost if the stop is hit at `quantity`
    risk_reward: Decimal | None = None
    drawdown_percent: Decimal = Decimal(0)
    violations: tuple[Violation, ...] = ()


def decide_trade(ticket: Ticket, limits: Limits, account: AccountSnapshot) -> Verdict:
    """Approve the ticket with its final size, or reject it naming every rule it breaks."""
    raise NotImplementedError
