"""Positions that trade groups protect, shared with standalone orders (issue 8).

A venue account holds one net position per symbol, and both order APIs trade it: a trade group
(seed 003) sizes its stop and its take-profits to the part it holds, a standalone order (seed
004) trades the same position. The rule both keep, per account and symbol, on each side:

    the position held on that side
    - what the trader's live standalone orders on the other side would still take from it
    >= what the live trade groups on that side hold

so a group's stop and targets are never larger than the position they protect.

Which behaviour applies when:

- An order through /api/orders that would break the rule is refused with 409 naming the
  groups; nothing is saved or sent. The part of the position held outside any group stays
  freely tradable. Refusing, rather than quietly shrinking the group's stop and targets, keeps a
  trade's protection changed only by the trade group API, where the trader sees it change;
  the message says to close the group or change its targets instead.
- A trade group that would break it when its entry fills (a buy group on an account that is
  net short, or has standalone sells live beyond the long held outside groups; the mirror for a
  sell) is refused with 409 naming the position and orders in its way, before anything is saved.
- A group's own close, stop and targets only ever exit the group's own quantity (reduce-only,
  `sync`), so they keep the rule and never touch the part standalone orders rely on.

Fills do not break the rule: a standalone sell filling lowers both the position and what is
pending, a group's exit the position and what the group holds, an entry both sides alike.

Locking: the live orders of the symbol are first read fresh from the venue
(`refresh_symbol_orders`: the venue's open orders once, and each order that changed refreshed
under its own row lock, before the caller's transaction), then the
check runs in the caller's transaction right after it locked the account row, which every order
and group placement takes first: two requests cannot both take the same free part. Under that
lock the check only reads (plain SELECTs and the venue's positions): taking group or order locks
there would hold every placement on the account behind the venue calls of a group being placed,
and order locks are taken the other way round there (group, order, then the account's row).
A fill between the two steps only makes the check stricter, except a group entry filling in
that instant (milliseconds), which the check does not see yet. Out of reach: a trade made on
the venue itself, outside the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from apps.core.errors import ApiError
from apps.core.fields import plain_amount
from apps.core.rows import exact, fetch_rows, uuid_param
from apps.exchanges.venues import venue_for
from apps.trades.execution import refresh_orders
from apps.trades.models import LIVE_ORDER_STATUSES, OPEN_GROUP_STATUSES, Order, OrderRole, OrderStatus, TradeGroup
from apps.trades.services.sync import RESEND_AFTER, state_of

if TYPE_CHECKING:
    from apps.exchanges.models import ExchangeAccount

ZERO = Decimal(0)


@dataclass(frozen=True)
class Protection:
    """One side of one symbol on one account, as the rule counts it."""

    side: str  # "long" (buy groups) | "short" (sell groups)
    held: Decimal  # the net position on that side; negative when the account is on the other
    pending: Decimal  # live standalone orders on the other side, unfilled
    groups: dict[str, Decimal]  # live group id -> what it holds now

    @property
    def free(self) -> Decimal:
        return self.held - self.pending - sum(self.groups.values(), ZERO)


def _live_groups(account: ExchangeAccount, symbol: str) -> QuerySet[TradeGroup]:
    return TradeGroup.objects.filter(exchange_account=account, symbol=symbol, status__in=OPEN_GROUP_STATUSES)


def refresh_symbol_orders(*, account: ExchangeAccount, symbol: str) -> None:
    """Read the symbol's live group and standalone orders from the venue, so the check counts
    fills the sync has not recorded yet: one read of the venue's open orders, and a refresh of
    each order that changed (`refresh_orders`), so the cost does not grow with the live groups
    that did not. Call it outside a transaction, before the check."""
    due = timezone.now() - RESEND_AFTER
    params = [uuid_param(account.pk), symbol, *LIVE_ORDER_STATUSES, *OPEN_GROUP_STATUSES, OrderRole.STANDALONE]
    live = Order.objects.raw(_LIVE, params)
    # A group's order sent moments ago is left to the request sending it; a standalone one being
    # sent right now is counted as it is.
    orders = [o for o in live if o.status != OrderStatus.PENDING_SUBMIT or (o.group_id and o.updated_at <= due)]
    refresh_orders(account=account, symbol=symbol, orders=orders)


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("%s" for _ in values)


# The live group and standalone orders of a symbol. Plain SQL, as orders: the ORM's compile of the
# join and its OR cost more than running it, for every trade.
_LIVE = f"""SELECT o.* FROM trades_order o LEFT JOIN trades_tradegroup g ON g.id = o.group_id
    WHERE o.exchange_account_id = %s AND o.symbol = %s AND o.status IN ({_marks(LIVE_ORDER_STATUSES)})
        AND (g.status IN ({_marks(OPEN_GROUP_STATUSES)}) OR o.role = %s)
    ORDER BY o.created_at DESC"""  # noqa: S608 - constants; values are parameters


# The live groups' orders and the live standalone ones in one read, each part through its own
# index (the (user, status) one of the groups), so an account's finished trades cost nothing.
# Plain SQL: the ORM's compile of this UNION was a tenth of POST /api/v1/trades.
_ORDERS = f"""SELECT o.group_id, o.role, o.status, o.quantity, o.filled_quantity, o.target_index,
        o.created_at, g.created_at AS group_created_at
    FROM trades_order o JOIN trades_tradegroup g ON g.id = o.group_id
    WHERE g.exchange_account_id = %s AND g.symbol = %s AND g.status IN ({_marks(OPEN_GROUP_STATUSES)})
        AND g.user_id = %s AND g.side = %s
    UNION ALL
    SELECT NULL, o.role, o.status, o.quantity, o.filled_quantity, o.target_index, o.created_at, NULL
    FROM trades_order o
    WHERE o.exchange_account_id = %s AND o.symbol = %s AND o.role = %s AND o.side = %s
        AND o.status IN ({_marks(LIVE_ORDER_STATUSES)})
    ORDER BY group_created_at, group_id, created_at, target_index"""  # noqa: S608 - constants; values are parameters
_PLACES = Order._meta.get_field("quantity").decimal_places


def _protection(*, account: ExchangeAccount, symbol: str, group_side: str) -> Protection:
    """What the rule counts for `group_side` ("buy" groups protect a long), as recorded now: the
    orders of the live groups and the live standalone ones in one read, and the venue's
    positions."""
    account_id = uuid_param(account.pk)
    params = [
        *(account_id, symbol, *OPEN_GROUP_STATUSES, uuid_param(account.user_id), group_side),
        *(account_id, symbol, OrderRole.STANDALONE, "sell" if group_side == "buy" else "buy", *LIVE_ORDER_STATUSES),
    ]
    by_group: dict[str, list[Order]] = {}
    pending = ZERO
    for row in fetch_rows(_ORDERS, params):
        quantity, filled = exact(row["quantity"], _PLACES), exact(row["filled_quantity"], _PLACES)
        if row["group_id"] is None:
            pending += quantity - filled
            continue
        # Only what `state_of` looks at: the roles, statuses and sizes, in the order they came.
        order = Order(
            role=row["role"],
            status=row["status"],
            quantity=quantity,
            filled_quantity=filled,
            target_index=row["target_index"],
            created_at=row["created_at"],
        )
        by_group.setdefault(str(row["group_id"]), []).append(order)
    side = "long" if group_side == "buy" else "short"
    positions = [p for p in venue_for(account).fetch_positions() if p.symbol == symbol]
    held = sum((p.quantity if p.side == side else -p.quantity for p in positions), ZERO)
    groups_held = {group_id: max(state_of(group_orders).position, ZERO) for group_id, group_orders in by_group.items()}
    return Protection(side, held, pending, groups_held)


def check_standalone_order(*, account: ExchangeAccount, symbol: str, side: str, quantity: Decimal) -> None:
    """Refuse (409 POSITION_PROTECTED) an order whose fill would leave live trade groups holding
    more than the position; call it with the account row locked, after `refresh_symbol_orders`."""
    group_side = "sell" if side == "buy" else "buy"
    if not _live_groups(account, symbol).filter(side=group_side).exists():
        return
    seen = _protection(account=account, symbol=symbol, group_side=group_side)
    if seen.free - quantity >= 0:
        return
    held = ", ".join(f"trade group {gid} holds {plain_amount(q)}" for gid, q in seen.groups.items())
    raise ApiError(
        status=409,
        code="POSITION_PROTECTED",
        message=(
            f"This {side} of {plain_amount(quantity)} {symbol} would leave the {seen.side} position smaller than "
            f"the trade groups protecting it ({held}; their stops and targets are sized to it). At most "
            f"{plain_amount(max(seen.free, ZERO))} is held outside them. Close or change the trade group "
            f"(DELETE /api/v1/trades/{{id}}, PUT /api/v1/trades/{{id}}/tp) instead."
        ),
        details={"tradeGroups": list(seen.groups), "available": plain_amount(max(seen.free, ZERO))},
    )


def check_new_group(*, account: ExchangeAccount, symbol: str, side: str) -> None:
    """Refuse (409 POSITION_CONFLICT) a trade group whose entry would partly close a position or
    meet standalone orders that would then eat into it; call it with the account row locked,
    after `refresh_symbol_orders`."""
    seen = _protection(account=account, symbol=symbol, group_side=side)
    if seen.free >= 0:
        return
    other = "short" if seen.side == "long" else "long"
    in_the_way = []
    if seen.held < 0:
        in_the_way.append(f"the account is {other} {plain_amount(-seen.held)} {symbol}")
    if seen.pending > 0:
        closing = "sell" if side == "buy" else "buy"
        in_the_way.append(f"standalone {closing} orders for {plain_amount(seen.pending)} {symbol} are live")
    if seen.groups:
        in_the_way.append("trade groups " + ", ".join(seen.groups) + " already hold the rest")
    raise ApiError(
        status=409,
        code="POSITION_CONFLICT",
        message=(
            f"A {side} trade group on {symbol} would not hold the position its stop and targets cover: "
            + "; ".join(in_the_way)
            + ". Close that position or cancel those orders (/api/orders) first."
        ),
    )
