"""The order sync: follows every open trade group (and standalone order) on its venue.

A group is moved on from its orders' states, whatever happened before: a worker that died
between two steps leaves rows the next pass completes (an entry still PENDING_SUBMIT is resent
with its client id, protective legs still WAITING are armed once the entry has filled).

- entry filled: the stop (sized to the position) and the take-profit ladder are sent;
- a take-profit fills: the stop shrinks to what is left (cancel and replace) and, with break-even
  on, moves to the average entry price, once;
- the stop fills: every remaining target is cancelled (one cancels the other), the group closes;
- every target filled: the stop is cancelled, the group closes;
- a group closed by hand (`close_reason="manual"`): everything is cancelled and the position is
  flattened with a reduce-only market order.

Each group is handled under a row lock taken with SKIP LOCKED: two workers never move the same
group, and a worker never waits on one an API request is changing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from apps.core.rows import exact, fetch_value, uuid_param
from apps.core.streams import publish_batch
from apps.exchanges.venues.base import VenueError, quote_asset
from apps.trades.execution import cancel_order, refresh_order, submit_orders
from apps.trades.models import (
    FINAL_ORDER_STATUSES,
    LIVE_ORDER_STATUSES,
    OPEN_GROUP_STATUSES,
    Fill,
    GroupStatus,
    Order,
    OrderRole,
    OrderStatus,
    TradeGroup,
)

logger = logging.getLogger(__name__)

# An order saved this recently may still be on its way out with the request that saved it.
RESEND_AFTER = timedelta(seconds=5)
EXIT_ROLES = (OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT, OrderRole.CLOSE)
PENDING_OR_LIVE = (OrderStatus.WAITING, *LIVE_ORDER_STATUSES)
MANUAL = "manual"
ZERO = Decimal(0)


def opposite(side: str) -> str:
    return "sell" if side == "buy" else "buy"


@dataclass
class GroupState:
    entry: Order
    stops: list[Order]  # waiting or live, oldest first
    targets: list[Order]  # waiting or live, by rung
    exits: list[Order]  # every stop, target and close order, whatever its status
    position: Decimal  # filled entry quantity not yet closed by an exit

    @property
    def stop_hit(self) -> bool:
        return any(o.role == OrderRole.STOP_LOSS and o.status == OrderStatus.FILLED for o in self.exits)

    @property
    def target_hit(self) -> bool:
        return any(o.role == OrderRole.TAKE_PROFIT and o.filled_quantity > 0 for o in self.exits)


def state_of(orders: list[Order]) -> GroupState:
    """The state of a group from all its orders, oldest first (created_at, then target_index)."""
    entry = next(o for o in orders if o.role == OrderRole.ENTRY)
    exits = [o for o in orders if o.role in EXIT_ROLES]
    stops = [o for o in exits if o.role == OrderRole.STOP_LOSS and o.status in PENDING_OR_LIVE]
    targets = sorted(
        (o for o in exits if o.role == OrderRole.TAKE_PROFIT and o.status in PENDING_OR_LIVE),
        key=lambda o: (o.target_index or 0, o.created_at),
    )
    exited = sum((o.filled_quantity for o in exits), ZERO)
    return GroupState(entry, stops, targets, exits, entry.filled_quantity - exited)


def load_state(group: TradeGroup) -> GroupState:
    return state_of(list(group.orders.order_by("created_at", "target_index")))


def new_leg(group: TradeGroup, *, role: str, order_type: str, quantity: Decimal, **fields: object) -> Order:
    """A reduce-only order on the other side of the entry, saved ready to send."""
    return Order.objects.create(
        user_id=group.user_id,
        exchange_account_id=group.exchange_account_id,
        group=group,
        role=role,
        symbol=group.symbol,
        side=opposite(group.side),
        order_type=order_type,
        quantity=quantity,
        reduce_only=True,
        status=OrderStatus.PENDING_SUBMIT,
        **fields,
    )


def _send(group: TradeGroup, legs: list[Order]) -> list[Order]:
    """Submit legs in one venue call (`submit_orders`); a refusal leaves one REJECTED (shown on
    the group), an unreachable venue leaves it for the next pass. Neither stops the others."""
    return submit_orders(account=group.exchange_account, orders=legs, created_here=group.created_here) if legs else []


# Plain SQL: asked whenever a group with a fill moves on (every market trade), and the ORM's
# compile of the join cost more than running it.
_FEES = """SELECT SUM(f.fee) FROM trades_fill f JOIN trades_order o ON o.id = f.order_id
    WHERE o.group_id = %s AND f.fee_asset = %s"""
_FEE_PLACES = Fill._meta.get_field("fee").decimal_places


def _record_progress(group: TradeGroup, state: GroupState) -> None:
    entry = state.entry
    direction = 1 if group.side == "buy" else -1
    pnl = ZERO
    if entry.average_price is not None:
        for order in state.exits:
            if order.filled_quantity > 0 and order.average_price is not None:
                pnl += direction * (order.average_price - entry.average_price) * order.filled_quantity
    quote = quote_asset(group.symbol)
    fees = ZERO
    # Fills are only ever recorded for an order that filled: a group none of whose orders has (a
    # resting entry) paid no fee, and the database is not asked.
    if entry.filled_quantity > 0 or any(order.filled_quantity > 0 for order in state.exits):
        fees = exact(fetch_value(_FEES, [uuid_param(group.pk), quote]), _FEE_PLACES) or ZERO
    group.filled_quantity = entry.filled_quantity
    group.average_entry_price = entry.average_price
    group.closed_quantity = entry.filled_quantity - state.position
    group.realized_pnl = pnl - fees


def _cancel_all(orders: list[Order]) -> None:
    for order in orders:
        if order.status in PENDING_OR_LIVE:
            cancel_order(order=order)


def _finish(group: TradeGroup, status: str, reason: str, state: GroupState) -> None:
    _cancel_all([state.entry, *state.stops, *state.targets])
    group.status = status
    group.close_reason = group.close_reason or reason
    group.closed_at = timezone.now()


def ensure_stop(group: TradeGroup, state: GroupState) -> None:
    """One live stop for exactly the open position at the group's stop price."""
    _protect(group, state, stop=True, targets=False)


def arm_targets(group: TradeGroup, state: GroupState) -> None:
    """Send the waiting take-profits, trimmed (first rung first) to the position still free of
    the live ones: an entry that ended partly filled gets the part of the ladder it can carry."""
    _protect(group, state, stop=False, targets=True)


def _protect(group: TradeGroup, state: GroupState, *, stop: bool, targets: bool) -> GroupState | None:
    """Send the stop (`ensure_stop`) and the targets (`arm_targets`) the state calls for, in one
    venue call; the state after, or None when it must be read again (something was cancelled).

    A leg that fills at once moves the position the legs after it were sized against: the venue
    leaves those unsent, and the targets are sized again from the new position (the stop is
    looked at once, as before: the next pass sees it again)."""
    legs: list[Order] = []
    stale = False
    if stop:
        leg, stale = _stop_to_send(group, state)
        if stale and targets:
            # The targets are sized from what the cancels left: the stop goes first, alone.
            _send(group, [leg] if leg else [])
            leg, state = None, load_state(group)
        legs += [leg] if leg else []
    while True:
        if targets:
            armed, cancelled = _targets_to_arm(state)
            legs, stale = legs + armed, stale or cancelled
        if len(_send(group, legs)) == len(legs):
            break
        legs, state, stale = [], load_state(group), True
    if stale:
        return None
    known = {order.id for order in state.exits}
    return state_of([state.entry, *state.exits, *(leg for leg in legs if leg.id not in known)])


def _stop_to_send(group: TradeGroup, state: GroupState) -> tuple[Order | None, bool]:
    """The stop to send: the waiting one armed at the open position, or a new one replacing a live
    stop that no longer fits; None when the live one is right or none is due. True with it when a
    stop was cancelled on the way (the state is then stale)."""
    if group.stop_loss_price is None or state.position <= 0:
        return None, False
    *stale, current = state.stops or [None]
    _cancel_all(stale)
    if current is not None and current.status == OrderStatus.WAITING:
        current.quantity, current.stop_price, current.status = (
            state.position,
            group.stop_loss_price,
            OrderStatus.PENDING_SUBMIT,
        )
        return current, bool(stale)
    if current is not None:
        if current.quantity - current.filled_quantity == state.position and current.stop_price == group.stop_loss_price:
            return None, bool(stale)
        if cancel_order(order=current).status == OrderStatus.FILLED:
            return None, True  # it fired while being replaced: the next pass closes the group
        state = load_state(group)
        if state.position <= 0:
            return None, True
    last = next((o for o in reversed(state.exits) if o.role == OrderRole.STOP_LOSS), None)
    if (
        last is not None
        and last.status == OrderStatus.REJECTED
        and last.stop_price == group.stop_loss_price
        and last.quantity == state.position
    ):
        # The venue refused this very stop: not resent every few seconds; the trader sees it.
        return None, current is not None or bool(stale)
    leg = new_leg(
        group, role=OrderRole.STOP_LOSS, order_type="stop", quantity=state.position, stop_price=group.stop_loss_price
    )
    return leg, current is not None or bool(stale)


def _targets_to_arm(state: GroupState) -> tuple[list[Order], bool]:
    """The waiting targets to send, each trimmed to the position still free of the live ones; a
    rung left without room is cancelled (True then: the state is stale)."""
    live = sum((o.quantity - o.filled_quantity for o in state.targets if o.status != OrderStatus.WAITING), ZERO)
    budget = state.position - live
    armed, cancelled = [], False
    for target in state.targets:
        if target.status != OrderStatus.WAITING:
            continue
        size = min(target.quantity, max(budget, ZERO))
        if size <= 0:
            cancel_order(order=target)
            cancelled = True
            continue
        budget -= size
        target.quantity, target.status = size, OrderStatus.PENDING_SUBMIT
        armed.append(target)
    return armed, cancelled


def _flatten(group: TradeGroup, state: GroupState) -> None:
    if any(o.role == OrderRole.CLOSE and o.status in LIVE_ORDER_STATUSES for o in state.exits):
        return
    _send(group, [new_leg(group, role=OrderRole.CLOSE, order_type="market", quantity=state.position)])


_TRACKED = (
    "status",
    "stop_loss_price",
    "break_even_done",
    "filled_quantity",
    "average_entry_price",
    "closed_quantity",
    "realized_pnl",
    "close_reason",
    "closed_at",
)


def advance_group(*, group: TradeGroup, orders: list[Order] | None = None) -> TradeGroup:
    """Take the next steps of a locked group from its orders as they are recorded now; the row
    is written only when something a trader sees changed. `orders`: every order of the group as
    its rows read now, oldest first, when the caller holds them (a group created in its
    transaction), so they are not read again."""
    before = [getattr(group, name) for name in _TRACKED]
    state = _advance(group, orders) or load_state(group)
    _record_progress(group, state)
    if [getattr(group, name) for name in _TRACKED] != before:
        group.save(update_fields=[*_TRACKED, "updated_at"])
    group.known_orders = [state.entry, *state.exits]
    return group


def _advance(group: TradeGroup, orders: list[Order] | None) -> GroupState | None:
    """The next steps; the state after them, or None when it must be read again."""
    state = load_state(group) if orders is None else state_of(orders)
    if group.close_reason == MANUAL and state.entry.status in PENDING_OR_LIVE:
        cancel_order(order=state.entry)
        state = load_state(group)
    entry = state.entry
    if entry.filled_quantity == 0:
        if entry.status == OrderStatus.REJECTED:
            _finish(group, GroupStatus.FAILED, "rejected", state)
        elif entry.status in FINAL_ORDER_STATUSES:
            _finish(group, GroupStatus.CANCELLED, MANUAL if group.close_reason == MANUAL else "cancelled", state)
        else:
            group.status = GroupStatus.PENDING if entry.status == OrderStatus.PENDING_SUBMIT else GroupStatus.OPEN
            return state
        return None

    closing = group.close_reason == MANUAL or state.stop_hit
    if closing:
        # One side closed the trade: nothing else of it may fill (OCO).
        _cancel_all([entry, *state.stops, *state.targets])
        state = load_state(group)
    if state.position <= 0 and (closing or state.entry.status in FINAL_ORDER_STATUSES):
        reason = MANUAL if group.close_reason == MANUAL else ("stop_loss" if state.stop_hit else "take_profit")
        _finish(group, GroupStatus.CLOSED, reason, state)
        return None
    group.status = GroupStatus.ACTIVE
    if closing:
        _flatten(group, state)
        state = load_state(group)
        if state.position <= 0:
            _finish(group, GroupStatus.CLOSED, MANUAL if group.close_reason == MANUAL else "stop_loss", state)
        return None

    if group.break_even and not group.break_even_done and state.target_hit and entry.average_price is not None:
        group.stop_loss_price, group.break_even_done = entry.average_price, True
    # The stop, then (once the entry is done filling) the targets, in one venue call.
    return _protect(group, state, stop=True, targets=state.entry.status in FINAL_ORDER_STATUSES)


def refresh_live_orders(group: TradeGroup) -> None:
    """Read the group's live orders from the venue (an order sent moments ago is left to the
    request that is sending it)."""
    due = timezone.now() - RESEND_AFTER
    for order in group.orders.filter(status__in=LIVE_ORDER_STATUSES):
        if order.status == OrderStatus.PENDING_SUBMIT and order.updated_at > due:
            continue
        refresh_order(order=order)


def sync_group(*, group_id: UUID) -> TradeGroup | None:
    """Refresh one open group's orders from the venue and move it on; None when another worker
    holds it or it is no longer open. A venue that fails keeps what was done before it failed.
    The group's stream events go out together after the commit."""
    with publish_batch(), transaction.atomic():
        group = (
            TradeGroup.objects.select_for_update(skip_locked=True)
            .filter(id=group_id, status__in=OPEN_GROUP_STATUSES)
            .first()
        )
        if group is None:
            return None
        try:
            refresh_live_orders(group)
            advance_group(group=group)
        except VenueError as exc:
            logger.info("Group %s not synced: %s", group_id, exc.detail)
    return group


def sync_standalone_orders() -> None:
    due = timezone.now() - RESEND_AFTER
    ids = Order.objects.filter(role=OrderRole.STANDALONE, status__in=LIVE_ORDER_STATUSES).values_list("id", flat=True)
    for order_id in list(ids):
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(id=order_id).first()
            if order is None or order.status not in LIVE_ORDER_STATUSES:
                continue
            if order.status == OrderStatus.PENDING_SUBMIT and order.updated_at > due:
                continue
            try:
                refresh_order(order=order)
            except VenueError as exc:
                logger.info("Order %s not synced: %s", order_id, exc.detail)


def sync_open_groups() -> None:
    """One pass of the sync worker (`apps.trades.tasks.sync_trade_groups`, every few seconds)."""
    ids = TradeGroup.objects.filter(status__in=OPEN_GROUP_STATUSES).order_by("updated_at").values_list("id", flat=True)
    for group_id in list(ids):
        try:
            sync_group(group_id=group_id)
        except Exception:
            # One group's unexpected failure must not leave every other trader's unwatched.
            logger.exception("Group %s failed to sync", group_id)
    try:
        sync_standalone_orders()
    except Exception:
        logger.exception("Standalone orders failed to sync")
