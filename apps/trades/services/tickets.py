"""A trade ticket checked against the venue and the decision loop, before anything is written.

Both ways of opening a trade use it (POST /api/v1/trades and the ticket page), and so does the
ticket page's Check button: the verdict a trader sees is the one the trade is placed under.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from apps.core.errors import ApiError
from apps.exchanges.models import ExchangeAccount
from apps.exchanges.selectors import account_for, default_account
from apps.exchanges.venues import Venue, venue_for
from apps.trades.decision import TakeProfit, Ticket, Verdict, validate_ticket
from apps.trades.idempotency import canonical
from apps.trades.services.risk import evaluate_ticket

if TYPE_CHECKING:
    from apps.accounts.models import User


def decision_json(verdict: Verdict, ticket: Ticket) -> dict[str, Any]:
    return canonical(
        {
            "approved": verdict.approved,
            "entry_price": ticket.entry_price,
            "quantity": verdict.quantity,
            "max_quantity": verdict.max_quantity,
            # In the order PostgreSQL's jsonb keeps an object's keys (shorter first, then by bytes):
            # a group answered from memory then reads as its row will, on either database.
            "size_limits": dict(sorted(verdict.size_limits.items(), key=lambda item: (len(item[0]), item[0]))),
            "risk_amount": verdict.risk_amount,
            "risk_reward": verdict.risk_reward,
            "drawdown_percent": verdict.drawdown_percent,
            "violations": [{"rule": v.rule, "message": v.message} for v in verdict.violations],
        }
    )


def _ticket_errors(ticket: Ticket) -> None:
    """`validate_ticket`'s messages as a 400 naming each field as the API spells it."""
    errors = validate_ticket(ticket)
    if not errors:
        return
    details: dict[str, list[str]] = {}
    for error in errors:
        field, _, message = error.partition(": ")
        details.setdefault(field.replace("take_profits", "take_profit"), []).append(message)
    message = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in details.items())
    raise ApiError(status=400, code="VALIDATION_ERROR", message=message, details=details)


@dataclass(frozen=True)
class CheckedTicket:
    account: ExchangeAccount
    venue: Venue
    ticket: Ticket
    verdict: Verdict
    # The venue's last price when it was asked for (market entries, or `with_market_price`).
    market_price: Decimal | None


def check_trade(*, user: User, data: dict[str, Any], with_market_price: bool = False) -> CheckedTicket:
    """The decision loop's verdict on a trade ticket (the API's validated body), as it would be
    placed now: a market entry is priced at the venue's last price. Raises a 400 for a ticket
    whose geometry is wrong (stop on the wrong side, targets not summing to the quantity)."""
    account_id = data.get("exchange_account_id")
    account = account_for(user=user, account_id=account_id) if account_id else default_account(user=user)
    venue = venue_for(account)
    market = data.get("entry_type") == "market"
    market_price = venue.fetch_price(data["symbol"]) if market or with_market_price else None
    ticket = Ticket(
        symbol=data["symbol"],
        side=data["side"],
        quantity=data.get("quantity"),
        entry_price=market_price if market else data.get("entry_price"),
        stop_loss_price=data.get("stop_loss_price"),
        take_profits=tuple(TakeProfit(price=t["price"], quantity=t["quantity"]) for t in data.get("take_profit", [])),
        leverage=data.get("leverage", 1),
    )
    _ticket_errors(ticket)
    verdict = evaluate_ticket(user=user, account=account, venue=venue, ticket=ticket)
    return CheckedTicket(account=account, venue=venue, ticket=ticket, verdict=verdict, market_price=market_price)
