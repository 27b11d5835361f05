"""Trade groups: open one behind the decision loop (changing one: `changes`).

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

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from apps.core.errors import ApiError
from apps.core.rows import fetch_value, uuid_param
from apps.core.streams import publish_batch
from apps.exchanges.selectors import lock_active_account
from apps.exchanges.venues.base import VenueError
from apps.trades.decision import Ticket, Verdict
from apps.trades.execution import is_refusal, send_held_order, submit_order
from apps.trades.idempotency import replayed, request_hash
from apps.trades.models import (
    GroupStatus,
    Order,
    OrderRole,
    OrderStatus,
    TradeGroup,
)
from apps.trades.services.protection import check_new_group, refresh_symbol_orders
from apps.trades.services.sync import advance_group
from apps.trades.services.tickets import check_trade, decision_json

if TYPE_CHECKING:
    from apps.accounts.models import User


# Plain SQL for the usual answer, none: asked twice per trade, and the ORM's compile of the whole
# group's read cost more than running it.
_SAVED = "SELECT 1 FROM trades_tradegroup WHERE user_id = %s AND idempotency_key = %s"


def _replay(*, user: User, key: str, body_hash: str) -> TradeGroup | None:
    if not key or fetch_value(_SAVED, [uuid_param(user.pk), key]) is None:
        return None
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
