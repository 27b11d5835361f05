"""The droids' pages: the list, a new droid, and one droid's page (its state and the buttons
that change it, the ladder against the price, the history chart, the latest runs and sessions,
the configuration form).

Reads go through the droids' selectors (another user's droid is a 404), writes through its
services; a refusal is an error on the form or a message on the page, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.core.errors import ApiError
from apps.droids import selectors, services
from apps.droids.forms import NEW_DROID_INITIAL, DroidConfigForm, NewDroidForm, StateForm
from apps.droids.models import BotStatus, Droid, DroidActive, DroidHistory, DroidRun, DroidSession
from apps.droids.page_rows import ADMIN_ONLY, current_price, history_points, ladder, state_buttons
from apps.trades.views import trading_page

PAGE_SIZE = 25
RUNS_SHOWN = 20
SESSIONS_SHOWN = 10
HISTORY_POINTS = 2000


def _latest_run(field: str) -> Subquery:
    return Subquery(DroidRun.objects.filter(droid=OuterRef("pk")).order_by("-ran_at", "-id").values(field)[:1])


@trading_page
@require_GET
def droid_list_page(request: HttpRequest) -> HttpResponse:
    droids = (
        selectors.visible_droids(user=request.user)
        .select_related("pool", "owner")
        .annotate(
            open_positions=Count("bots", filter=Q(bots__status=BotStatus.ACTIVE)),
            last_outcome=_latest_run("outcome"),
            last_detail=_latest_run("detail"),
            last_ran_at=_latest_run("ran_at"),
        )
        .order_by("id")
    )
    page = Paginator(droids, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "droids": page.object_list, "everyone": request.user.role == Role.ADMIN}
    return render(request, "droids/list.html", context)


def _visible(request: HttpRequest, droid_id: int) -> Droid:
    """The droid the user may see, with what its page shows of its pool, wallet and owner; else a 404."""
    droid = (
        selectors.visible_droids(user=request.user)
        .select_related("pool", "account", "owner")
        .filter(id=droid_id)
        .first()
    )
    if droid is None:
        raise Http404(selectors.DROID_NOT_FOUND)
    return droid


def _render_droid(
    request: HttpRequest, droid: Droid, *, form: DroidConfigForm | None = None, status: int = 200
) -> HttpResponse:
    history = list(DroidHistory.objects.filter(droid=droid).order_by("-time_stamp", "-id")[:HISTORY_POINTS])
    context: dict[str, Any] = {
        "droid": droid,
        "pool": droid.pool,
        "ladder": ladder(droid, price=current_price(droid)),
        "history": history[:10],
        "history_count": len(history),
        "chart": {"points": history_points(history)},
        "runs": DroidRun.objects.filter(droid=droid).order_by("-ran_at", "-id")[:RUNS_SHOWN],
        "sessions": DroidSession.objects.filter(droid=droid).select_related("started_by")[:SESSIONS_SHOWN],
        "buttons": state_buttons(droid, request.user),
        "admin_only_reason": ADMIN_ONLY,
        "closed": droid.active == DroidActive.CLOSED,
        "form": form or DroidConfigForm(initial=DroidConfigForm.initial_for(droid), pool=droid.pool),
    }
    return render(request, "droids/detail.html", context, status=status)


@trading_page
@require_GET
def droid_page(request: HttpRequest, droid_id: int) -> HttpResponse:
    return _render_droid(request, _visible(request, droid_id))


@trading_page
@require_http_methods(["GET", "POST"])
def droid_new_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = NewDroidForm(user=request.user, initial=NEW_DROID_INITIAL)
        return render(request, "droids/new.html", {"form": form})
    form = NewDroidForm(request.POST, user=request.user)
    if form.is_valid():
        config = {name: value for name, value in form.cleaned_data.items() if name not in ("pool", "account")}
        try:
            droid = services.create_droid(
                user=request.user,
                pool_id=form.cleaned_data["pool"].id,
                account_id=form.cleaned_data["account"].id,
                config=config,
            )
        except ValidationError as error:
            form.refuse(error)
        except ApiError as error:
            form.add_error(None, str(error.detail))
        else:
            messages.success(request, "Droid created, paused: check its configuration, then start it.")
            return redirect("droids:detail", droid_id=droid.id)
    return render(request, "droids/new.html", {"form": form}, status=400)


@trading_page
@require_POST
def droid_config_page(request: HttpRequest, droid_id: int) -> HttpResponse:
    droid = _visible(request, droid_id)
    form = DroidConfigForm(request.POST, pool=droid.pool)
    if form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if value != getattr(droid, name)}
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("droids:detail", droid_id=droid.id)
        try:
            services.update_droid_config(user=request.user, droid_id=droid.id, changes=changes)
        except ValidationError as error:
            form.refuse(error)
        except ApiError as error:
            # A closed droid's page has no form to carry the refusal: it goes on the page.
            messages.error(request, str(error.detail))
            return redirect("droids:detail", droid_id=droid.id)
        else:
            messages.success(request, "Configuration saved: the droid uses it from its next run.")
            return redirect("droids:detail", droid_id=droid.id)
    return _render_droid(request, _visible(request, droid_id), form=form, status=400)


STATE_DONE = {
    DroidActive.RUNNING: "Started: the droid acts on its next run.",
    DroidActive.PAUSED: "Paused: the droid keeps its positions and makes no transaction until started.",
    DroidActive.RESET: "Reset: the droid takes its positions down, then waits to be started.",
    DroidActive.CLOSED: "Closing: the droid takes every position down and stops for good.",
}


@trading_page
@require_POST
def droid_state_page(request: HttpRequest, droid_id: int) -> HttpResponse:
    droid = _visible(request, droid_id)
    form = StateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Start, Pause, Reset or Close.")
        return redirect("droids:detail", droid_id=droid.id)
    active = form.cleaned_data["active"]
    try:
        services.set_droid_active(user=request.user, droid_id=droid.id, active=active)
    except ApiError as error:
        if error.status_code == 404:
            raise Http404(str(error.detail)) from None
        messages.error(request, str(error.detail))
    else:
        messages.success(request, STATE_DONE[active])
    return redirect("droids:detail", droid_id=droid.id)
