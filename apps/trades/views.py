"""Pages for trading: the trade ticket (check, then place), open trade groups with live updates,
one group's page with its orders and actions, and the risk settings.

Thin like the API views: the verdict comes from the decision loop (`evaluate_ticket`), every
write is a service call, and every read a selector. A refusal (a rule, the exchange, a bad
value) is shown on the page, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.navigation import trader_page
from apps.core.errors import ApiError
from apps.exchanges.paper.engine import markets as paper_markets
from apps.exchanges.selectors import active_accounts
from apps.trades import selectors
from apps.trades.forms import BreakEvenForm, MoveStopForm, RiskConfigForm, TicketForm, new_idempotency_key
from apps.trades.models import OPEN_GROUP_STATUSES, GroupStatus, Order, OrderRole, OrderStatus, TradeGroup
from apps.trades.services.groups import close_trade_group, open_trade_group, set_break_even, update_stop_loss
from apps.trades.services.risk import risk_config_for, update_risk_config
from apps.trades.services.tickets import check_trade
from apps.trades.templatetags.trading import amount

SIZE_LIMITS = (
    ("account_risk", "Account risk %", "needs a stop-loss"),
    ("max_risk_amount", "Max risk amount", "needs a stop-loss"),
    ("max_position_size", "Max position size", ""),
    ("leverage", "Leverage", ""),
)


def trading_page(view: Any) -> Any:
    return never_cache(trader_page(view))


def live_context() -> dict[str, Any]:
    """Where the page's script opens its WebSocket (empty URL: the page's host on WS_PORT)."""
    return {"ws_url": settings.WS_PUBLIC_URL, "ws_port": settings.WS_PORT}


# --- the ticket -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """What the verdict panel shows: the loop's verdict (a Verdict, or the same fields as the
    service's JSON when a placement was rejected) and the entry price it was judged at."""

    verdict: Any
    entry_price: Decimal | None
    market: bool
    market_price: Decimal | None = None


def _ticket_form(request: HttpRequest, *, data: Any = None) -> TicketForm:
    accounts = list(active_accounts(user=request.user))
    form = TicketForm(data, accounts=accounts)
    if data is None:
        chosen = request.GET.get("account")
        if chosen and any(str(a.id) == chosen for a in accounts):
            form.initial["account"] = chosen
        if request.GET.get("symbol"):
            form.initial["symbol"] = request.GET["symbol"].upper()
    return form


def _size_limits(verdict: Any) -> list[dict[str, Any]]:
    limits = verdict.get("size_limits") if isinstance(verdict, dict) else verdict.size_limits
    maximum = verdict.get("max_quantity") if isinstance(verdict, dict) else verdict.max_quantity
    rows = []
    for name, label, missing in SIZE_LIMITS:
        value = (limits or {}).get(name)
        binding = value is not None and maximum is not None and Decimal(str(value)) == Decimal(str(maximum))
        rows.append({"name": name, "label": label, "value": value, "missing": missing, "binding": binding})
    return rows


def _render_ticket(
    request: HttpRequest,
    form: TicketForm,
    *,
    checked: Checked | None = None,
    check_error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "has_accounts": bool(form.fields["account"].choices),
        "symbols": sorted(paper_markets()),
        "verdict": checked.verdict if checked else None,
        "checked_entry_price": checked.entry_price if checked else None,
        "checked_market": checked.market if checked else False,
        "market_price": checked.market_price if checked else None,
        "size_limits": _size_limits(checked.verdict) if checked else [],
        "check_error": check_error,
    }
    return render(request, "trades/ticket.html", context, status=status)


def _show_api_error(form: TicketForm, error: ApiError) -> str:
    """Put an error's per-field details beside the fields; return the message for the panel."""
    details = getattr(error, "details", None) or {}
    for field, problems in details.items() if isinstance(details, dict) else ():
        name = {"take_profit": None, "exchange_account_id": "account"}.get(field, field)
        if name in form.fields and isinstance(problems, list):
            form.add_error(name, [str(p) for p in problems])
    return str(error.detail)


def _check(request: HttpRequest, form: TicketForm) -> Checked:
    """The decision loop's verdict on the form's ticket, as it would be placed now."""
    # Priced for every entry type: a market the venue does not list is refused here, and the
    # panel shows where the market is next to the limit.
    checked = check_trade(user=request.user, data=_group_data(form), with_market_price=True)
    return Checked(
        verdict=checked.verdict,
        entry_price=checked.ticket.entry_price,
        market=form.cleaned_data["entry_type"] == "market",
        market_price=checked.market_price,
    )


@trading_page
@require_http_methods(["GET", "POST"])
def ticket_page(request: HttpRequest) -> HttpResponse:
    """GET: a blank ticket (with a new idempotency key); POST: place it."""
    if request.method == "POST":
        return _place(request)
    return _render_ticket(request, _ticket_form(request))


@trading_page
@require_POST
def check_ticket_page(request: HttpRequest) -> HttpResponse:
    form = _ticket_form(request, data=request.POST)
    if not form.is_valid():
        return _render_ticket(request, form, status=400)
    try:
        checked = _check(request, form)
    except ApiError as error:
        return _render_ticket(request, form, check_error=_show_api_error(form, error), status=error.status_code)
    return _render_ticket(request, form, checked=checked)


def _group_data(form: TicketForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "exchange_account_id": data["account"],
        "symbol": data["symbol"],
        "side": data["side"],
        "entry_type": data["entry_type"],
        "entry_price": data["entry_price"],
        "quantity": data["quantity"],
        "stop_loss_price": data.get("stop_loss_price"),
        "take_profit": [{"price": p, "quantity": q, "order_type": "limit"} for p, q in form.take_profits()],
        "leverage": data["leverage"],
        "break_even": data["break_even"],
    }


def _place(request: HttpRequest) -> HttpResponse:
    form = _ticket_form(request, data=request.POST)
    if form.is_valid() and form.cleaned_data.get("quantity") is None:
        form.add_error("quantity", "Enter the quantity to trade (Check shows the largest size the rules allow).")
    if not form.is_valid():
        return _render_ticket(request, form, status=400)
    try:
        group, created = open_trade_group(
            user=request.user, data=_group_data(form), idempotency_key=form.cleaned_data["idempotency_key"]
        )
    except ApiError as error:
        # Nothing was opened (or the venue refused the entry): the ticket comes back with a new
        # key, so sending it again is a new request rather than a replay of this one.
        retry = _ticket_form(request, data={**request.POST.dict(), "idempotency_key": new_idempotency_key()})
        retry.is_valid()
        details = getattr(error, "details", None)
        if error.error_code == "RISK_REJECTED" and isinstance(details, dict):
            market = form.cleaned_data["entry_type"] == "market"
            checked = Checked(verdict=details, entry_price=details.get("entry_price"), market=market)
            return _render_ticket(request, retry, checked=checked, status=error.status_code)
        message = _show_api_error(retry, error)
        if error.error_code == "IDEMPOTENCY_CONFLICT":
            # The browser's back button brought back a form already used for another trade.
            message = "This ticket was already used to place a different trade. Check it, then place it again."
        return _render_ticket(request, retry, check_error=message, status=error.status_code)
    if created:
        messages.success(
            request, f"Trade placed: {group.side} {amount(group.quantity)} {group.symbol}, {group.status}."
        )
    else:
        messages.info(request, "This ticket was already placed: here is its trade.")
    return redirect("trades:list")


# --- trade groups ---------------------------------------------------------------------------


# Statuses the list's "recently closed" section shows, and how many.
CLOSED_STATUSES = (GroupStatus.CLOSED, GroupStatus.CANCELLED, GroupStatus.FAILED)
RECENTLY_CLOSED = 20
# Legs in the order a trader reads a trade: entry, stop, targets by rung, anything else last.
_ROLE_ORDER = {OrderRole.ENTRY: 0, OrderRole.STOP_LOSS: 1, OrderRole.TAKE_PROFIT: 2}


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


def _row(group: TradeGroup) -> dict[str, Any]:
    orders = legs(group)
    targets = [o for o in orders if o.role == OrderRole.TAKE_PROFIT and o.status != OrderStatus.CANCELLED]
    return {"group": group, "orders": orders, "targets": targets}


@trading_page
@require_GET
def trade_list_page(request: HttpRequest) -> HttpResponse:
    open_groups = selectors.trade_groups_for(user=request.user, statuses=OPEN_GROUP_STATUSES)
    closed = selectors.trade_groups_for(user=request.user, statuses=CLOSED_STATUSES)
    context = {
        "open_rows": [_row(g) for g in open_groups.select_related("exchange_account")],
        "closed": closed.order_by("-updated_at")[:RECENTLY_CLOSED],
        **live_context(),
    }
    return render(request, "trades/list.html", context)


def _render_group(
    request: HttpRequest, group: TradeGroup, *, stop_form: MoveStopForm | None = None, status: int = 200
) -> HttpResponse:
    decision = group.decision if isinstance(group.decision, dict) else {}
    context = {
        "group": group,
        "orders": legs(group),
        "is_open": group.status in OPEN_GROUP_STATUSES,
        "stop_form": stop_form or MoveStopForm(),
        # The verdict it was opened under, in the ticket's panel.
        "verdict": decision if "approved" in decision else None,
        "checked_entry_price": decision.get("entry_price"),
        "size_limits": _size_limits(decision) if "approved" in decision else [],
        **live_context(),
    }
    return render(request, "trades/detail.html", context, status=status)


@trading_page
@require_GET
def trade_detail_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    return _render_group(request, owned_group(request, group_id))


@trading_page
@require_POST
def cancel_trade_page(request: HttpRequest, group_id: UUID) -> HttpResponse:
    group = owned_group(request, group_id)
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


# --- risk settings --------------------------------------------------------------------------


@trading_page
@require_http_methods(["GET", "POST"])
def risk_page(request: HttpRequest) -> HttpResponse:
    config = risk_config_for(user=request.user)
    form = RiskConfigForm(request.POST if request.method == "POST" else None, instance=config)
    if request.method == "POST" and form.is_valid():
        try:
            update_risk_config(user=request.user, data={name: form.cleaned_data[name] for name in form.fields})
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "Risk settings saved.")
            return redirect("trades:risk")
    return render(request, "trades/risk.html", {"form": form}, status=400 if form.errors else 200)
