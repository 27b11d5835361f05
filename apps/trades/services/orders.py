"""Seed 004's standalone orders: placed through the decision loop, sent by the execution layer,
cancelled on request or when their `expiresAt` passes.

An order is written only once the decision loop approved it, committed as PENDING_SUBMIT, and
only then sent (by `apps.trades.execution.submit_order`, with its client order id): a crash
between the commit and the send leaves a row the sync worker resends, never a venue order the
platform does not know about.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.errors import ApiError
from apps.exchanges.selectors import lock_active_account
from apps.exchanges.venues import venue_for
from apps.exchanges.venues.base import ORDER_TYPES, SIDES, TIME_IN_FORCE, Venue, VenueError
from apps.trades.decision import Ticket
from apps.trades.execution import cancel_order, is_refusal, submit_order
from apps.trades.idempotency import replayed, request_hash
from apps.trades.models import FINAL_ORDER_STATUSES, LIVE_ORDER_STATUSES, Order, OrderRole, OrderStatus
from apps.trades.services.protection import check_standalone_order, refresh_symbol_orders
from apps.trades.services.risk import evaluate_ticket

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.exchanges.models import ExchangeAccount

logger = logging.getLogger(__name__)

# How many due orders one beat run expires; the next run (seconds later) takes the rest.
EXPIRY_BATCH = 200


@dataclass(frozen=True)
class NewOrder:
    """An order as a trader asked for it, in the venue protocol's vocabulary."""

    symbol: str  # BASE_QUOTE, as seed 004's `market`
    side: str  # buy | sell
    order_type: str  # limit | market | stop | stop_limit
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: str = "GTC"
    expires_at: datetime | None = None


def order_problems(new: NewOrder, *, now: datetime) -> dict[str, str]:
    """Each field that makes the order inconsistent, with what a trader should change."""
    problems: dict[str, str] = {}
    if new.side not in SIDES:
        problems["side"] = "Must be BUY or SELL."
    if new.order_type not in ORDER_TYPES:
        problems["orderType"] = "Must be LIMIT, MARKET, STOP or STOP_LIMIT."
    if new.time_in_force not in TIME_IN_FORCE:
        problems["timeInForce"] = "Must be GTC, IOC or FOK."
    if not new.quantity > 0:
        problems["quantity"] = "Must be greater than 0."
    for name, value in (("price", new.price), ("stopPrice", new.stop_price)):
        if value is not None and not value > 0:
            problems[name] = "Must be greater than 0."
    needs_price = new.order_type in ("limit", "stop_limit")
    needs_stop = new.order_type in ("stop", "stop_limit")
    kind = new.order_type.upper()
    if needs_price and new.price is None:
        problems.setdefault("price", f"A {kind} order needs a price.")
    if not needs_price and new.price is not None:
        problems.setdefault("price", f"A {kind} order takes no price (use LIMIT or STOP_LIMIT for one).")
    if needs_stop and new.stop_price is None:
        problems.setdefault("stopPrice", f"A {kind} order needs a stopPrice.")
    if not needs_stop and new.stop_price is not None:
        problems.setdefault("stopPrice", f"A {kind} order takes no stopPrice (use STOP or STOP_LIMIT for one).")
    if new.expires_at is not None and new.expires_at <= now:
        problems["expiresAt"] = "Must be in the future."
    return problems


def _replay(*, user: User, idempotency_key: str, digest: str) -> Order | None:
    return replayed(Order.objects.filter(user=user), key=idempotency_key, body_hash=digest, what="order")


def _reduces_a_position(venue: Venue, new: NewOrder) -> bool:
    """True for an order on the other side of a position the account holds, no larger than it."""
    held_side = "long" if new.side == "sell" else "short"
    return any(
        p.symbol == new.symbol and p.side == held_side and new.quantity <= p.quantity for p in venue.fetch_positions()
    )


def _check_risk(*, user: User, account: ExchangeAccount, new: NewOrder) -> bool:
    """Run the decision loop on the order; True when it only reduces a held position (it is then
    sent reduce-only, and no limit on opening risk stops it)."""
    venue = venue_for(account)
    # Priced first for every order type: it also refuses a market the venue does not list
    # (400) before anything is written.
    market_price = venue.fetch_price(new.symbol)
    closing = _reduces_a_position(venue, new)
    ticket = Ticket(
        symbol=new.symbol,
        side=new.side,
        quantity=new.quantity,
        entry_price=new.price or new.stop_price or market_price,
        kind="close" if closing else "order",
    )
    verdict = evaluate_ticket(user=user, account=account, venue=venue, ticket=ticket)
    if not verdict.approved:
        reasons = "; ".join(f"{v.rule}: {v.message}" for v in verdict.violations)
        raise ApiError(status=422, code="RISK_REJECTED", message=f"Order rejected by the risk rules. {reasons}")
    return closing


@transaction.atomic
def _save(
    *, user: User, account: ExchangeAccount, new: NewOrder, idempotency_key: str, digest: str, reduce_only: bool
) -> Order:
    lock_active_account(account_id=account.id)
    check_standalone_order(account=account, symbol=new.symbol, side=new.side, quantity=new.quantity)
    return Order.objects.create(
        user=user,
        exchange_account=account,
        role=OrderRole.STANDALONE,
        symbol=new.symbol,
        side=new.side,
        order_type=new.order_type,
        time_in_force=new.time_in_force,
        price=new.price,
        stop_price=new.stop_price,
        quantity=new.quantity,
        status=OrderStatus.PENDING_SUBMIT,
        expires_at=new.expires_at,
        reduce_only=reduce_only,
        idempotency_key=idempotency_key,
        request_hash=digest,
    )


def place_order(
    *, user: User, account: ExchangeAccount, new: NewOrder, idempotency_key: str = ""
) -> tuple[Order, bool]:
    """Place a standalone order; returns (order, created).

    Call it outside a transaction: the order is committed before it is sent. With an
    `idempotency_key`, the same key and body return the first order (created False, nothing
    sent again) and the same key with another body is a 409. Bad input is a 400, a risk
    rejection a 422 naming every failed rule, an order that would eat into a position a live
    trade group protects a 409 naming the group (`protection`): nothing is saved or sent. A venue
    refusal marks the order REJECTED and raises the venue's error; an unreachable venue leaves it
    PENDING_SUBMIT (answered as PENDING) for the sync worker to resend.
    """
    digest = request_hash({**asdict(new), "account": account.pk})
    existing = _replay(user=user, idempotency_key=idempotency_key, digest=digest)
    if existing is not None:
        return existing, False
    problems = order_problems(new, now=timezone.now())
    if problems:
        from rest_framework.exceptions import ValidationError

        raise ValidationError(problems)
    closing = _check_risk(user=user, account=account, new=new)
    refresh_symbol_orders(account=account, symbol=new.symbol)
    try:
        order = _save(
            user=user, account=account, new=new, idempotency_key=idempotency_key, digest=digest, reduce_only=closing
        )
    except IntegrityError:
        # A concurrent request with the same key won the insert: answer with its order.
        existing = _replay(user=user, idempotency_key=idempotency_key, digest=digest)
        if existing is None:
            raise
        return existing, False
    try:
        order = submit_order(order_id=order.id)
    except VenueError as exc:
        if is_refusal(exc):
            raise
        logger.warning("order %s not sent yet (%s); the sync worker resends it", order.id, exc.detail)
        order.refresh_from_db()
    return order, True


def standalone_orders(*, user: User, status: str | None = None, symbol: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(user=user, role=OrderRole.STANDALONE)
    if status:
        orders = orders.filter(status=status)
    if symbol:
        orders = orders.filter(symbol=symbol)
    return orders.order_by("-created_at", "-id")


def standalone_order(*, user: User, order_id: str) -> Order:
    """The user's standalone order, or a 404 that does not say whether someone else owns it."""
    try:
        return Order.objects.get(id=uuid.UUID(str(order_id)), user=user, role=OrderRole.STANDALONE)
    except (Order.DoesNotExist, ValueError):
        raise ApiError(status=404, code="ORDER_NOT_FOUND", message="Order not found.") from None


def cancel_standalone_order(*, user: User, order_id: str) -> Order:
    """Cancel a live order; an order already final (or that filled before the cancel reached the
    venue) is a 409 naming its status."""
    order = standalone_order(user=user, order_id=order_id)
    if order.status in FINAL_ORDER_STATUSES:
        raise _not_cancellable(order)
    order = cancel_order(order=order)
    if order.status != OrderStatus.CANCELLED:
        raise _not_cancellable(order)
    return order


def _not_cancellable(order: Order) -> ApiError:
    return ApiError(
        status=409,
        code="ORDER_NOT_CANCELLABLE",
        message=f"Order is already {order.status.replace('_', ' ').lower()}; only open orders can be cancelled.",
    )


def expire_due_orders(*, now: datetime | None = None) -> int:
    """Cancel live orders whose `expires_at` has passed and mark them EXPIRED (beat, every few
    seconds). Each order is claimed with `skip_locked`, so overlapping runs, the sync worker and a
    trader's DELETE never handle the same order at once; an order that filled first stays
    FILLED. One venue failing is logged and retried on the next run. Returns how many expired."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status__in=LIVE_ORDER_STATUSES, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("id", flat=True)[:EXPIRY_BATCH]
    )
    expired = 0
    for order_id in due:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("exchange_account")
                .filter(id=order_id, status__in=LIVE_ORDER_STATUSES)
                .first()
            )
            if order is None:
                continue  # taken by another worker, or no longer live
            try:
                order = cancel_order(order=order, status=OrderStatus.EXPIRED)
            except VenueError as exc:
                logger.warning("order %s could not be expired yet: %s", order_id, exc.detail)
                continue
        expired += order.status == OrderStatus.EXPIRED
    return expired
