"""Trade groups: open one behind the decision loop, change its stop, targets and break-even,
close it, and clean up ghost orders.

Opening runs in a fixed order so that no order reaches a venue unless the loop approved it and
no request is carried out twice:
1. idempotency: a group already saved under the key answers the request (a different body is
   a 409);
2. the account is read from the venue and the ticket decided, before anything is written;
3. one transaction, under the account's lock, asks the key again (a concurrent twin may have
   won while this one waited), refuses a group whose entry would meet a
   position or standalone orders it cannot protect (409, `protection`) and saves the group, its
   entry (PENDING_SUBMIT) and its legs (WAITING); the unique (user, idempotency_key) index lets
   one of many concurrent requests win, the others read the winner's group;
4. after commit the entry is sent and the group moved on (`advance_group`; a filled entry's stop
   and targets go out together, in one venue call); a worker that dies on the way leaves rows
   the sync worker completes. A venue whose orders live in this database (`Venue.transactional`,
   the paper exchange) is sent them inside step 3's transaction instead: its writes and ours
   commit together or not at all, so there is nothing to complete and nothing is read back.

What it reads does not grow with the trader's live groups: the venue's open orders are read
once for the symbol (`refresh_symbol_orders`), and the protection check reads the live groups'
orders in one query. The request's stream events are sent together once it is done.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from apps.core.errors import ApiError
from apps.core.streams import publish_batch
from apps.exchanges.selectors import lock_active_account
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import VenueError
from apps.trades.decision import Ticket, Verdict
from apps.trades.execution import cancel_order, is_refusal, send_held_order, submit_order
from apps.trades.idempotency import replayed, request_hash
from apps.trades.models import (
    FINAL_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    GroupStatus,
    Order,
    OrderRole,
    OrderStatus,
    TradeGroup,
)
from apps.trades.services.protection import check_new_group, refresh_symbol_orders
from apps.trades.services.risk import evaluate_ticket
from apps.trades.services.sync import MANUAL, advance_group, arm_targets, ensure_stop, load_state
from apps.trades.services.tickets import check_trade, decision_json

if TYPE_CHECKING:
    from apps.accounts.models import User


def _replay(*, user: User, key: str, body_hash: str) -> TradeGroup | None:
    group = replayed(TradeGroup.objects.filter(user=user), key=key, body_hash=body_hash, what="trade")
    if group is None:
        return None
    failure = group.decision.get("entry_error")
    if group.status == GroupStatus.FAILED and failure:
        # The first request was answered with the venue's refusal: so is every replay.
        raise ApiError(status=failure["status"], code=failure["code"], message=failure["message"])
    return group


def _orders_for(group: TradeGroup, data: dict[str, Any]) -> list[Order]:
    common = {"user_id": group.user_id, "exchange_account": group.exchange_account, "group": group}
    leg = {**common, "symbol": group.symbol, "reduce_only": True, "status": OrderStatus.WAITING}
    exit_side = "sell" if group.side == "buy" else "buy"
    orders = [
        Order(
            **common,
            role=OrderRole.ENTRY,
            symbol=group.symbol,
            side=group.side,
            order_type=group.entry_type,
            price=group.entry_price,
            quantity=group.quantity,
            status=OrderStatus.PENDING_SUBMIT,
        )
    ]
    if group.stop_loss_price is not None:
        orders.append(
            Order(
                **leg,
                role=OrderRole.STOP_LOSS,
                side=exit_side,
                order_type="stop",
                stop_price=group.stop_loss_price,
                quantity=group.quantity,
            )
        )
    for index, target in enumerate(data.get("take_profit") or []):
        orders.append(
            Order(
                **leg,
                role=OrderRole.TAKE_PROFIT,
                target_index=index,
                side=exit_side,
                order_type=target.get("order_type", "limit"),
                price=target["price"],
                quantity=target["quantity"],
            )
        )
    return orders


def _save_group(
    *, user: User, account_id: UUID, data: dict[str, Any], verdict: Verdict, ticket: Ticket, key: str, body_hash: str
) -> tuple[TradeGroup, list[Order] | None]:
    """Step 3, in the caller's transaction: the group and its orders, oldest first; or the group
    a concurrent twin saved under the key, with None."""
    account = lock_active_account(account_id=account_id)
    # Asked again under the account's lock: a concurrent request with the same key may have
    # saved its group (and filled its entry) while this one waited, and its position must not
    # be judged as standing in this request's way.
    if existing := _replay(user=user, key=key, body_hash=body_hash):
        return existing, None
    check_new_group(account=account, symbol=data["symbol"], side=data["side"])
    group = TradeGroup.objects.create(
        user=user,
        exchange_account=account,
        symbol=data["symbol"],
        side=data["side"],
        entry_type=data.get("entry_type", "limit"),
        entry_price=data.get("entry_price"),
        quantity=verdict.quantity,
        stop_loss_price=data.get("stop_loss_price"),
        leverage=data.get("leverage", 1),
        break_even=data.get("break_even", False),
        idempotency_key=key,
        request_hash=body_hash,
        decision=decision_json(verdict, ticket),
    )
    orders = Order.objects.bulk_create(_orders_for(group, data))
    return group, orders


def open_trade_group(*, user: User, data: dict[str, Any], idempotency_key: str = "") -> tuple[TradeGroup, bool]:
    """Open a trade group from a validated ticket; (group, created). A replay of an earlier
    request returns its group with created False. A rejected ticket raises a 422 naming every
    rule it broke, and nothing is saved or sent. The stream events of the whole request go out
    together once it is done (`publish_batch`)."""
    body_hash = request_hash(data)
    if existing := _replay(user=user, key=idempotency_key, body_hash=body_hash):
        return existing, False

    checked = check_trade(user=user, data=data)
    account, ticket, verdict = checked.account, checked.ticket, checked.verdict
    if not verdict.approved:
        raise ApiError(
            status=422,
            code="RISK_REJECTED",
            message="The decision loop rejected this trade: " + " ".join(v.message for v in verdict.violations),
            details=decision_json(verdict, ticket),
        )
    fields = {"data": data, "verdict": verdict, "ticket": ticket, "key": idempotency_key, "body_hash": body_hash}
    with publish_batch():
        refresh_symbol_orders(account=account, symbol=data["symbol"])
        try:
            with transaction.atomic():
                group, orders = _save_group(user=user, account_id=account.id, **fields)
                # Step 4 joins step 3 on a venue whose orders are rows of this database: the group,
                # its orders and the venue's writes commit together or not at all, which is what
                # committing before sending guarantees elsewhere, for one commit instead of two.
                held = orders is not None and checked.venue.transactional
                refusal = _send_held(group, orders) if held else None
        except IntegrityError:
            # A concurrent request with the same key saved its group first: answer with it.
            existing = _replay(user=user, key=idempotency_key, body_hash=body_hash)
            if existing is None:
                raise
            return existing, False
        if orders is None:
            return group, False
        if refusal is not None:
            raise refusal
        return (group if held else place_group(group_id=group.id)), True


def _refused(group: TradeGroup, exc: VenueError) -> VenueError | None:
    """A refusal of the entry is kept on the group, for every replay to answer with; None for an
    error that leaves the entry's fate unknown (the sync worker resends it)."""
    if not is_refusal(exc):
        return None
    group.decision = {
        **group.decision,
        "entry_error": {"status": exc.status_code, "code": exc.error_code, "message": str(exc.detail)},
    }
    group.save(update_fields=["decision", "updated_at"])
    return exc


def _send_held(group: TradeGroup, orders: list[Order]) -> VenueError | None:
    """`place_group` for a group and orders saved in the caller's transaction, which it holds in
    memory: nothing is read again. The refusal is returned, for the caller to raise after commit."""
    group.created_here = True
    for order in orders:
        order.exchange_account = group.exchange_account
    failure = send_held_order(order=orders[0])
    refusal = _refused(group, failure) if failure is not None else None
    advance_group(group=group, orders=orders)
    group.created_here = False  # its transaction is about to end
    return refusal


def place_group(*, group_id: UUID) -> TradeGroup:
    """Send a saved group's entry and take the steps its answer allows (a filled entry is
    protected at once: its stop and targets go out in one venue call). A refusal fails the group
    and is raised; an unreachable venue leaves the entry for the sync worker to resend, and the
    group is returned as it is."""
    refusal: VenueError | None = None
    with publish_batch(), transaction.atomic():
        entry = Order.objects.filter(group=OuterRef("pk"), role=OrderRole.ENTRY).values("id")[:1]
        group = (
            TradeGroup.objects.select_for_update(of=("self",))
            .select_related("exchange_account")
            .annotate(entry_id=Subquery(entry))
            .get(id=group_id)
        )
        try:
            submit_order(order_id=group.entry_id)
        except VenueError as exc:
            refusal = _refused(group, exc)
        advance_group(group=group)
    if refusal is not None:
        raise refusal
    return group


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
            where = "below" if buy else "above"
            raise ApiError(
                status=400,
                code="VALIDATION_ERROR",
                message=f"stop_loss_price: must be {where} the market price {market.normalize():f} for a {group.side}.",
                details={"stop_loss_price": [f"Must be {where} the market price for a {group.side}."]},
            )
        return
    entry = _reference_price(group)
    if (buy and stop >= entry) or (not buy and stop <= entry):
        where = "below" if buy else "above"
        raise ApiError(
            status=400,
            code="VALIDATION_ERROR",
            message=f"stop_loss_price: must be {where} the entry price for a {group.side}.",
            details={"stop_loss_price": [f"Must be {where} the entry price for a {group.side}."]},
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
