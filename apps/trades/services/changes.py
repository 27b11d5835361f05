"""Change an open trade group: its stop, its targets, break-even; or close it. Each runs under the
group's row lock and ends by moving the group on (`advance_group`) from its orders' states."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import transaction

from apps.core.errors import ApiError
from apps.exchanges.venues import venue_for
from apps.trades.decision import Ticket
from apps.trades.execution import cancel_order
from apps.trades.models import FINAL_ORDER_STATUSES, OPEN_GROUP_STATUSES, Order, OrderRole, OrderStatus, TradeGroup
from apps.trades.services.risk import evaluate_ticket
from apps.trades.services.sync import MANUAL, advance_group, arm_targets, ensure_stop, load_state

if TYPE_CHECKING:
    from apps.accounts.models import User


def _locked_group(*, user: User, group_id: UUID, open_only: bool = True) -> TradeGroup:
    group = TradeGroup.objects.select_for_update().filter(user=user, id=group_id).first()
    if group is None:
        raise ApiError(status=404, code="TRADE_NOT_FOUND", message="Trade group not found.")
    if open_only and group.status not in OPEN_GROUP_STATUSES:
        raise ApiError(
            status=409, code="TRADE_CLOSED", message=f"The trade group is {group.status.lower()}; it cannot change."
        )
    return group


def _reference_price(group: TradeGroup) -> Decimal:
    """What a stop or a target is measured from: the average entry once filled, the limit before."""
    if group.filled_quantity > 0 and group.average_entry_price is not None:
        return group.average_entry_price
    if group.entry_price is not None:
        return group.entry_price
    return venue_for(group.exchange_account).fetch_price(group.symbol)


def _check_stop_side(group: TradeGroup, stop: Decimal) -> None:
    buy = group.side == "buy"
    if group.filled_quantity > 0:
        # A filled trade may lock in profit, but a stop past the market would fire at once.
        market = venue_for(group.exchange_account).fetch_price(group.symbol)
        if (buy and stop >= market) or (not buy and stop <= market):
            raise _stop_on_the_wrong_side(group, "market price", f" {market.normalize():f}")
        return
    entry = _reference_price(group)
    if (buy and stop >= entry) or (not buy and stop <= entry):
        raise _stop_on_the_wrong_side(group, "entry price")


def _stop_on_the_wrong_side(group: TradeGroup, reference: str, value: str = "") -> ApiError:
    where = "below" if group.side == "buy" else "above"
    return ApiError(
        status=400,
        code="VALIDATION_ERROR",
        message=f"stop_loss_price: must be {where} the {reference}{value} for a {group.side}.",
        details={"stop_loss_price": [f"Must be {where} the {reference} for a {group.side}."]},
    )


@transaction.atomic
def update_stop_loss(*, user: User, group_id: UUID, stop_loss_price: Decimal) -> TradeGroup:
    """Move the group's stop: the live stop order is replaced, a waiting one changed."""
    group = _locked_group(user=user, group_id=group_id)
    _check_stop_side(group, stop_loss_price)
    _recheck_a_wider_stop(user=user, group=group, stop=stop_loss_price)
    group.stop_loss_price = stop_loss_price
    group.save(update_fields=["stop_loss_price", "updated_at"])
    state = load_state(group)
    if state.position > 0:
        ensure_stop(group, state)
    else:
        waiting = [o for o in state.stops if o.status == OrderStatus.WAITING]
        if waiting:
            Order.objects.filter(id__in=[o.id for o in waiting]).update(stop_price=stop_loss_price)
        else:
            Order.objects.create(
                user_id=group.user_id,
                exchange_account_id=group.exchange_account_id,
                group=group,
                role=OrderRole.STOP_LOSS,
                symbol=group.symbol,
                side="sell" if group.side == "buy" else "buy",
                order_type="stop",
                stop_price=stop_loss_price,
                quantity=group.quantity,
                reduce_only=True,
                status=OrderStatus.WAITING,
            )
    return advance_group(group=group)


def _recheck_a_wider_stop(*, user: User, group: TradeGroup, stop: Decimal) -> None:
    """A stop moved further into the loss puts more at risk than the decision loop approved: the
    trade is decided again at its open quantity with the new stop. A stop moved towards (or past)
    the entry only lowers the risk and is never refused."""
    entry = _reference_price(group)
    buy = group.side == "buy"
    losing_side = stop < entry if buy else stop > entry
    old = group.stop_loss_price
    wider = old is None or (stop < old if buy else stop > old)
    quantity = _open_quantity(group)
    if not (losing_side and wider and quantity > 0):
        return
    account = group.exchange_account
    ticket = Ticket(
        symbol=group.symbol,
        side=group.side,
        quantity=quantity,
        entry_price=entry,
        stop_loss_price=stop,
        leverage=group.leverage,
    )
    verdict = evaluate_ticket(user=user, account=account, venue=venue_for(account), ticket=ticket)
    # This trade is already one of the open positions: only what the wider stop changes counts.
    broken = [v for v in verdict.violations if v.rule != "max_open_positions"]
    if broken:
        raise ApiError(
            status=422,
            code="RISK_REJECTED",
            message="The decision loop rejected this stop: " + " ".join(v.message for v in broken),
            details={"violations": [{"rule": v.rule, "message": v.message} for v in broken]},
        )


def _open_quantity(group: TradeGroup) -> Decimal:
    state = load_state(group)
    exited = state.entry.filled_quantity - state.position
    planned = state.entry.filled_quantity if state.entry.status in FINAL_ORDER_STATUSES else group.quantity
    return planned - exited


@transaction.atomic
def update_take_profits(*, user: User, group_id: UUID, targets: list[dict[str, Any]]) -> TradeGroup:
    """Replace the unfilled targets with a new ladder summing to the quantity still open."""
    group = _locked_group(user=user, group_id=group_id)
    open_quantity = _open_quantity(group)
    total = sum((t["quantity"] for t in targets), Decimal(0))
    errors: dict[str, list[str]] = {}
    if total != open_quantity:
        errors["take_profit"] = [
            f"Quantities sum to {total.normalize():f}, not the open quantity {open_quantity.normalize():f}."
        ]
    reference = _reference_price(group)
    buy = group.side == "buy"
    for index, target in enumerate(targets):
        if (buy and target["price"] <= reference) or (not buy and target["price"] >= reference):
            where = "above" if buy else "below"
            errors[f"take_profit[{index}].price"] = [f"Must be {where} the entry price for a {group.side}."]
    if errors:
        message = "; ".join(f"{field}: {' '.join(lines)}" for field, lines in errors.items())
        raise ApiError(status=400, code="VALIDATION_ERROR", message=message, details=errors)
    for order in load_state(group).targets:
        cancel_order(order=order)
    exit_side = "sell" if buy else "buy"
    Order.objects.bulk_create(
        Order(
            user_id=group.user_id,
            exchange_account_id=group.exchange_account_id,
            group=group,
            role=OrderRole.TAKE_PROFIT,
            target_index=index,
            symbol=group.symbol,
            side=exit_side,
            order_type=target.get("order_type", "limit"),
            price=target["price"],
            quantity=target["quantity"],
            reduce_only=True,
            status=OrderStatus.WAITING,
        )
        for index, target in enumerate(targets)
    )
    state = load_state(group)
    if state.position > 0 and state.entry.status in FINAL_ORDER_STATUSES:
        arm_targets(group, state)
    return advance_group(group=group)


@transaction.atomic
def set_break_even(*, user: User, group_id: UUID, enabled: bool) -> TradeGroup:
    """Toggle break-even; enabled after a target has filled, the stop moves to the entry now.
    Turning it off leaves a stop already moved where it is."""
    group = _locked_group(user=user, group_id=group_id)
    group.break_even = enabled
    group.save(update_fields=["break_even", "updated_at"])
    return advance_group(group=group)


@transaction.atomic
def close_trade_group(*, user: User, group_id: UUID) -> TradeGroup:
    """Cancel every live order of the group and, if part of the entry filled, flatten the
    position with a reduce-only market order: CANCELLED before any fill, CLOSED after. A group
    already finished is returned as it is."""
    group = _locked_group(user=user, group_id=group_id, open_only=False)
    if group.status not in OPEN_GROUP_STATUSES:
        return group
    group.close_reason = MANUAL
    group.save(update_fields=["close_reason", "updated_at"])
    return advance_group(group=group)
