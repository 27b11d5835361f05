"""Pages for a trader's exchange accounts: list and add, one account's balance and positions,
test the connection, remove.

Thin like the API views: the accounts come from the selectors and every write is a service
call. An exchange that refuses or cannot be reached is a message on the page, never a 500.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.navigation import is_site_path, trader_page
from apps.core.errors import ApiError
from apps.exchanges import services
from apps.exchanges.forms import AddExchangeAccountForm
from apps.exchanges.models import ExchangeAccount
from apps.exchanges.selectors import account_for, active_accounts, available_exchanges, live_balances, live_positions


def owned_account(request: HttpRequest, account_id: UUID) -> ExchangeAccount:
    """The signed-in user's active account; anyone else's (or a removed one) is a plain 404."""
    try:
        return account_for(user=request.user, account_id=account_id)
    except ApiError:
        raise Http404("Exchange account not found.") from None


def _listings() -> tuple[list, str | None]:
    try:
        return available_exchanges(), None
    except ApiError as error:
        return [], str(error.detail)


def _render_list(request: HttpRequest, form: AddExchangeAccountForm, *, status: int = 200) -> HttpResponse:
    context = {"accounts": active_accounts(user=request.user), "form": form}
    return render(request, "exchanges/list.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@trader_page
def exchange_list_page(request: HttpRequest) -> HttpResponse:
    listings, listing_error = _listings()
    form = AddExchangeAccountForm(request.POST if request.method == "POST" else None, listings=listings)
    if listing_error:
        messages.error(request, listing_error)
    if request.method == "GET" or not form.is_valid():
        return _render_list(request, form, status=400 if form.errors else 200)
    try:
        account = services.add_exchange_account(user=request.user, **form.cleaned_data)
    except ValidationError as error:
        for field, problems in getattr(error, "message_dict", {None: error.messages}).items():
            form.add_error(field if field in form.fields else None, problems)
        return _render_list(request, form, status=400)
    except ApiError as error:
        form.add_error(None, str(error.detail))
        return _render_list(request, form, status=error.status_code)
    messages.success(request, f"{account.label or account.exchange_name} added.")
    return redirect("exchanges:detail", account_id=account.id)


@never_cache
@require_GET
@trader_page
def exchange_detail_page(request: HttpRequest, account_id: UUID) -> HttpResponse:
    account = owned_account(request, account_id)
    context: dict[str, object] = {"account": account}
    for name, read in (("balances", live_balances), ("positions", live_positions)):
        try:
            context[name] = read(account=account)
        except ApiError as error:
            context[name] = None
            context[f"{name}_error"] = str(error.detail)
    return render(request, "exchanges/detail.html", context)


@never_cache
@require_POST
@trader_page
def test_exchange_page(request: HttpRequest, account_id: UUID) -> HttpResponse:
    account = owned_account(request, account_id)
    check = services.check_connection(account=account)
    name = account.label or account.exchange_name
    if check.ok:
        messages.success(request, f"{name}: {check.message} ({check.latency_ms} ms)")
    else:
        messages.error(request, f"{name}: {check.message}")
    back = request.POST.get("next")
    if is_site_path(back):
        return redirect(back)
    return redirect("exchanges:detail", account_id=account.id)


@never_cache
@require_http_methods(["GET", "POST"])
@trader_page
def remove_exchange_page(request: HttpRequest, account_id: UUID) -> HttpResponse:
    account = owned_account(request, account_id)
    if request.method == "GET":
        return render(request, "exchanges/remove.html", {"account": account})
    try:
        services.remove_exchange_account(account=account)
    except ApiError as error:
        messages.error(request, str(error.detail))
        return redirect("exchanges:detail", account_id=account.id)
    messages.success(request, f"{account.label or account.exchange_name} removed.")
    return redirect("exchanges:list")
