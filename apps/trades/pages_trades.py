"""Pages for trade groups: the list of open trades (live over the WebSocket: new groups appear,
statuses and fills change in place, each open trade's P&L and R follow the ticker), one row of
it as a fragment for the list's script, a trade's page with its orders and actions, and the
confirmation before a trade is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApiError
from apps.exchanges.paper.engine import current_prices
from apps.exchanges.venues import PAPER
from apps.exchanges.venues.base import VenueError, quote_asset
from apps.trades import selectors
from apps.trades.forms import BreakEvenForm, MoveStopForm
from apps.trades.models import OPEN_GROUP_STATUSES, GroupStatus, Order, OrderRole, OrderStatus, TradeGroup
from apps.trades.pages_market import places, quantity_step, quote_step, read, shown
from apps.trades.pages_verdict import base_of, verdict_context
from apps.trades.services.changes import close_trade_group, set_break_even, update_stop_loss
from apps.trades.templatetags.trading import amount
from apps.trades.views import live_context, trading_page

# Statuses the list's "recently closed" section shows, and how many.
CLOSED_STATUSES = (GroupStatus.CLOSED, GroupStatus.CANCELLED, GroupStatus.FAILED)
RECENTLY_CLOSED = 20
# Legs in the order a trader reads a trade: entry, stop, targets by rung, anything else last.
_ROLE_ORDER = {OrderRole.ENTRY: 0, OrderRole.STOP_LOSS: 1, OrderRole.TAKE_PROFIT: 2}
# Legs a cancel still has to take off the venue.
CANCELLABLE = (OrderStatus.WAITING, OrderStatus.PENDING_SUBMIT, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def owned_group(request: HttpRequest, group_id: UUID) -> TradeGroup:
    """The signed-in user's group with its orders; anyone else's is a plain 404."""
    try:
        return selectors.trade_group_for(user=request.user, group_id=group_id)
    except ApiError:
        raise Http404("Trade not found.") from None


def legs(group: TradeGroup) -> list[Order]:
    """The group's prefetched orders, entry first, then the stop, then the targets by rung."""
    return sorted(
        group.orders.all(),
        key=lambda o: (_ROLE_ORDER.get(o.role, 3), o.target_index if o.target_index is not None else -1, o.created_at),
    )


# --- live P&L ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """What an open trade's P&L and R are made of; the list's script redoes the sum on every
    ticker event: P&L = realised + (price - average entry) x open quantity (x -1 short), and
    R = P&L / the risk planned at the stop (|entry - stop| x quantity)."""

    entry: Decimal | None  # the average entry price once filled, else the planned entry
    open_quantity: Decimal
    realized: Decimal
    planned_risk: Decimal | None
    quote: str
    pnl: Decimal | None = None  # at the last known price, when the server knows one
    r: Decimal | None = None

    @property
    def quote_places(self) -> int:
        return places(quote_step(self.quote))

    @property
    def pnl_text(self) -> str:
        return signed(self.pnl, quote_step(self.quote))

    @property
    def r_text(self) -> str:
        return f"{signed(self.r, Decimal('0.01'))}R" if self.r is not None else "—"


def signed(value: Decimal | None, step: Decimal) -> str:
    """`+12.30`, `-0.85`, `0.00`: a change shown to the step's decimals, signed when not zero."""
    if value is None:
        return "—"
    rounded = value.quantize(step)
    if not rounded:
        rounded = abs(rounded)
    return ("+" if rounded > 0 else "") + format(rounded, "f")


def live_numbers(group: TradeGroup, price: Decimal | None) -> Live:
    entry = group.average_entry_price or group.entry_price
    open_quantity = max(group.filled_quantity - group.closed_quantity, Decimal(0))
    stop = group.stop_loss_price
    planned_risk = abs(entry - stop) * group.quantity if entry is not None and stop is not None else None
    pnl = r = None
    if price is not None and group.average_entry_price is not None:
        direction = 1 if group.side == "buy" else -1
        pnl = group.realized_pnl + (price - group.average_entry_price) * open_quantity * direction
        r = pnl / planned_risk if planned_risk else None
    return Live(
        entry=entry,
        open_quantity=open_quantity,
        realized=group.realized_pnl,
        planned_risk=planned_risk,
        quote=quote_asset(group.symbol),
        pnl=pnl,
        r=r,
    )


def known_prices(groups: list[TradeGroup]) -> dict[str, Decimal]:
    """Prices the server has at hand without asking a venue: the paper markets' (one query).
    Other venues' trades get theirs from the first ticker event."""
    return current_prices() if any(g.exchange_account.exchange_name == PAPER for g in groups) else {}


def trade_row(group: TradeGroup, prices: dict[str, Decimal]) -> dict[str, Any]:
    orders = legs(group)
    targets = [o for o in orders if o.role == OrderRole.TAKE_PROFIT and o.status != OrderStatus.CANCELLED]
    price = prices.get(group.symbol) if group.exchange_account.exchange_name == PAPER else None
    return {"group": group, "orders": orders, "targets": targets, "live": live_numbers(group, price)}


# --- the list ---------------------------------------------------------------------------------


@trading_page
@require_GET
def trade_list_page(request: HttpRequest) -> HttpResponse:
    open_groups = list(
        selectors.trade_groups_for(user=request.user, statuses=OPEN_GROUP_STATUSES).select_related("exchange_account")
    )
    closed = selectors.trade_groups_for(user=request.user, statuses=CLOSED_STATUSES)
    prices = known_prices(open_groups)
    context = {
        "open_rows": [trade_row(g, prices) for g in open_groups],
        "closed": closed.order_by("-updated_at")[:RECENTLY_CLOSED],
        **live_context(),
    }
    return render(request, "trades/list.html", context)


@trading_page
@require_GET
def trade_row_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """One trade's rows of the list (`<tbody>`), for the list's script to add or refresh."""
    group = owned_group(request, group_id)
    return render(request, "trades/_group_row.html", {"row": trade_row(group, known_prices([group]))})


# --- one trade --------------------------------------------------------------------------------


def _render_group(
    request: HttpRequest, group: TradeGroup, *, stop_form: MoveStopForm | None = None, status: int = 200
) -> HttpResponse:
    decision = group.decision if isinstance(group.decision, dict) else {}
    stored = "approved" in decision
    context = {
        "group": group,
        "orders": legs(group),
        "is_open": group.status in OPEN_GROUP_STATUSES,
        "stop_form": stop_form or MoveStopForm(),
        "base": base_of(group.symbol),
        # The verdict it was opened under, in the ticket's panel.
        "verdict": decision if stored else None,
        "checked_entry_price": decision.get("entry_price"),
        "panel": verdict_context(decision, symbol=group.symbol) if stored else None,
        **live_context(),
    }
    return render(request, "trades/detail.html", context, status=status)


@trading_page
@require_GET
def trade_detail_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    return _render_group(request, owned_group(request, group_id))


def _cancel_plan(request: HttpRequest, group: TradeGroup) -> dict[str, Any]:
    """What cancelling would do, in words: the legs it takes off the venue and the position it
    closes at market (with the price now, when the venue answers)."""
    orders = [o for o in legs(group) if o.status in CANCELLABLE]
    position = max(group.filled_quantity - group.closed_quantity, Decimal(0))
    price = None
    if position:
        try:
            price = read(group.exchange_account, "the price", lambda venue: venue.fetch_price(group.symbol))
        except VenueError:
            price = None
    step = quantity_step(None, price or group.average_entry_price)
    return {
        "group": group,
        "cancel_orders": orders,
        "position": shown(position, step) if position else None,
        "base": base_of(group.symbol),
        "quote": quote_asset(group.symbol),
        "price_now": price,
        "close_side": "sell" if group.side == "buy" else "buy",
    }


@trading_page
@require_http_methods(["GET", "POST"])
def cancel_trade_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    """GET: what cancelling will do, and a button to do it (or keep the trade); POST: do it."""
    group = owned_group(request, group_id)
    if request.method == "GET":
        if group.status not in OPEN_GROUP_STATUSES:
            messages.info(request, f"This trade is {group.status.lower()}: there is nothing to cancel.")
            return redirect("trades:detail", group_id=group.id)
        return render(request, "trades/cancel.html", _cancel_plan(request, group))
    try:
        group = close_trade_group(user=request.user, group_id=group.id)
    except ApiError as error:
        messages.error(request, str(error.detail))
    else:
        if group.status in OPEN_GROUP_STATUSES:
            messages.info(request, "Cancelling: the trade closes once the exchange confirms its orders are cancelled.")
        else:
            messages.success(request, f"Trade {group.status.lower()}.")
    return redirect("trades:detail", group_id=group.id)


@trading_page
@require_POST
def move_stop_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    group = owned_group(request, group_id)
    form = MoveStopForm(request.POST)
    if not form.is_valid():
        return _render_group(request, group, stop_form=form, status=400)
    try:
        update_stop_loss(user=request.user, group_id=group.id, stop_loss_price=form.cleaned_data["stop_loss_price"])
    except ApiError as error:
        details = getattr(error, "details", None) or {}
        form.add_error("stop_loss_price", details.get("stop_loss_price") or str(error.detail))
        return _render_group(request, owned_group(request, group_id), stop_form=form, status=error.status_code)
    messages.success(request, f"Stop moved to {amount(form.cleaned_data['stop_loss_price'])}.")
    return redirect("trades:detail", group_id=group.id)


@trading_page
@require_POST
def break_even_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    group = owned_group(request, group_id)
    form = BreakEvenForm(request.POST)
    form.is_valid()
    enabled = bool(form.cleaned_data.get("enabled"))
    try:
        set_break_even(user=request.user, group_id=group.id, enabled=enabled)
    except ApiError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, f"Break-even {'on' if enabled else 'off'}.")
    return redirect("trades:detail", group_id=group.id)
