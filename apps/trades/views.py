"""Pages for trading: the trade ticket (check, then place) and the risk settings; the trade
list and a trade's page are in `pages_trades`, the desk's market data in `pages_market`.

Thin like the API views: the verdict comes from the decision loop (`evaluate_ticket`), every
write is a service call, and every read a selector. A refusal (a rule, the exchange, a bad
value) is shown on the page, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.navigation import trader_page
from apps.core.errors import ApiError
from apps.exchanges.selectors import active_accounts
from apps.trades.forms import RiskConfigForm, TicketForm, new_idempotency_key
from apps.trades.pages_market import DeskMarket, desk_market
from apps.trades.pages_verdict import verdict_context
from apps.trades.services.groups import open_trade_group
from apps.trades.services.risk import risk_config_for, update_risk_config
from apps.trades.services.tickets import check_trade
from apps.trades.templatetags.trading import amount


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


def _ticket_form(
    request: HttpRequest, *, data: Any = None, desk: DeskMarket | None = None
) -> tuple[TicketForm, DeskMarket]:
    """The ticket and the market it is for: the posted (or `?account=`) account, else the
    oldest; the posted (or `?symbol=`) symbol, else the account's first market."""
    accounts = list(active_accounts(user=request.user))
    source = data if data is not None else request.GET
    if desk is None:
        wanted = source.get("account")
        account = next((a for a in accounts if str(a.id) == str(wanted)), accounts[0] if accounts else None)
        desk = desk_market(account, source.get("symbol"))
    form = TicketForm(data, accounts=accounts, markets=desk.markets)
    if data is None:
        if desk.account is not None:
            form.initial["account"] = str(desk.account.id)
        if desk.symbol:
            form.initial["symbol"] = desk.symbol
        if request.GET.get("side") in ("buy", "sell"):
            form.initial["side"] = request.GET["side"]
    return form, desk


def _render_ticket(
    request: HttpRequest,
    form: TicketForm,
    desk: DeskMarket,
    *,
    checked: Checked | None = None,
    check_error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "has_accounts": bool(form.fields["account"].choices),
        "desk": desk,
        "verdict": checked.verdict if checked else None,
        "checked_entry_price": checked.entry_price if checked else None,
        "checked_market": checked.market if checked else False,
        "market_price": checked.market_price if checked else None,
        "check_error": check_error,
        **live_context(),
    }
    if checked:
        symbol = form.cleaned_data.get("symbol") or desk.symbol
        same_market = symbol == desk.symbol
        context["panel"] = verdict_context(
            checked.verdict,
            symbol=symbol,
            config=risk_config_for(user=request.user),
            step=desk.quantity_step if same_market else None,
            entry_price=checked.entry_price,
        )
    return render(request, "trades/ticket.html", context, status=status)


def _show_api_error(form: TicketForm, error: ApiError) -> str:
    """Put an error's per-field details beside the fields; return the message for the panel."""
    details = getattr(error, "details", None)
    if isinstance(details, dict) and details and form.add_api_errors(details):
        return "The ticket has mistakes: they are marked beside their fields."
    return str(error.detail)


def _valid(form: TicketForm, desk: DeskMarket) -> bool:
    """Parse errors and the ticket's range errors (stop side, ladder sums), all at once."""
    parsed = form.is_valid()
    form.add_ticket_errors(market_price=desk.price)
    return parsed and not form.errors


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
    form, desk = _ticket_form(request)
    return _render_ticket(request, form, desk)


@trading_page
@require_POST
def check_ticket_page(request: HttpRequest) -> HttpResponse:
    form, desk = _ticket_form(request, data=request.POST)
    if not _valid(form, desk):
        return _render_ticket(request, form, desk, status=400)
    try:
        checked = _check(request, form)
    except ApiError as error:
        message = _show_api_error(form, error)
        return _render_ticket(request, form, desk, check_error=message, status=error.status_code)
    return _render_ticket(request, form, desk, checked=checked)


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
    form, desk = _ticket_form(request, data=request.POST)
    valid = _valid(form, desk)
    if valid and form.cleaned_data.get("quantity") is None:
        form.add_error("quantity", "Enter the quantity to trade (Check shows the largest size the rules allow).")
    if not valid or form.errors:
        return _render_ticket(request, form, desk, status=400)
    try:
        group, created = open_trade_group(
            user=request.user, data=_group_data(form), idempotency_key=form.cleaned_data["idempotency_key"]
        )
    except ApiError as error:
        # Nothing was opened (or the venue refused the entry): the ticket comes back with a new
        # key, so sending it again is a new request rather than a replay of this one.
        retry_data = {**request.POST.dict(), "idempotency_key": new_idempotency_key()}
        retry, _ = _ticket_form(request, data=retry_data, desk=desk)
        retry.is_valid()
        details = getattr(error, "details", None)
        if error.error_code == "RISK_REJECTED" and isinstance(details, dict):
            market = form.cleaned_data["entry_type"] == "market"
            checked = Checked(verdict=details, entry_price=details.get("entry_price"), market=market)
            return _render_ticket(request, retry, desk, checked=checked, status=error.status_code)
        message = _show_api_error(retry, error)
        if error.error_code == "IDEMPOTENCY_CONFLICT":
            # The browser's back button brought back a form already used for another trade.
            message = "This ticket was already used to place a different trade. Check it, then place it again."
        return _render_ticket(request, retry, desk, check_error=message, status=error.status_code)
    if created:
        messages.success(
            request, f"Trade placed: {group.side} {amount(group.quantity)} {group.symbol}, {group.status}."
        )
    else:
        messages.info(request, "This ticket was already placed: here is its trade.")
    return redirect("trades:list")


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
