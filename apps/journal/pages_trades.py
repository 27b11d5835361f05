"""The journal's pages for trades: the table (the API's filters, paginated) and one trade's
page with its chart, notes, tags and screenshots. Reads are the journal's selectors, writes its
services; a refusal (a bad tag, an image past the quota) is a message on the page, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApiError
from apps.journal import analytics
from apps.journal.forms import ImageForm, NotesForm, PageFilters, TagForm, page_filters
from apps.journal.page_rows import TradeLine, trade_line
from apps.journal.presenters import present_filter_options
from apps.journal.selectors import TradeFilters, journal_tags, journal_trade, journal_trades
from apps.journal.services.annotations import tag_trade, untag_trade, update_trade_notes
from apps.journal.services.images import delete_image, upload_image
from apps.journal.trade_chart import trade_chart
from apps.trades.views import trading_page

PAGE_SIZE = 25


def filter_context(request: HttpRequest, chosen: PageFilters) -> dict[str, Any]:
    """The filter form's choices: every value the trader's trades take (unfiltered)."""
    options = present_filter_options(analytics.filter_options(user_id=request.user.id, filters=TradeFilters()))
    return {"chosen": chosen, "options": options}


@trading_page
@require_GET
def journal_page(request: HttpRequest) -> HttpResponse:
    chosen = page_filters(request.GET)
    page = Paginator(journal_trades(user=request.user, filters=chosen.filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "trades": [trade_line(row) for row in page.object_list],
        **filter_context(request, chosen),
    }
    return render(request, "journal/list.html", context, status=400 if chosen.errors else 200)


def owned_trade(request: HttpRequest, trade_id: UUID) -> tuple[TradeLine, dict[str, Any]]:
    """The signed-in trader's trade as a line, and the selector's row (notes, images); anyone
    else's is a plain 404."""
    try:
        row = journal_trade(user=request.user, trade_id=trade_id)
    except ApiError:
        raise Http404("Trade not found.") from None
    return trade_line(row), row


def _render_trade(
    request: HttpRequest,
    trade_id: UUID,
    *,
    notes_form: NotesForm | None = None,
    tag_form: TagForm | None = None,
    image_form: ImageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    trade, row = owned_trade(request, trade_id)
    chart = trade_chart(user=request.user, trade=trade)
    context = {
        "trade": trade,
        "images": row["images"],
        "chart": chart.as_json(),
        "fills": chart.executions,
        "notes_form": notes_form or NotesForm(initial={"notes": row["notes"]}),
        "tag_form": tag_form or TagForm(),
        "image_form": image_form or ImageForm(),
        "known_tags": journal_tags(user=request.user),
    }
    return render(request, "journal/trade.html", context, status=status)


@trading_page
@require_GET
def trade_page(request: HttpRequest, trade_id: UUID) -> HttpResponse:
    return _render_trade(request, trade_id)


def _write(
    request: HttpRequest, trade_id: UUID, call: Callable[[], Any], done: str | Callable[[Any], str]
) -> HttpResponse:
    """Run one of the trade's writes and go back to its page with what happened: `done` (or
    `done(result)`), or the refusal's message; a trade or tag that is not the trader's stays a 404."""
    try:
        result = call()
    except ApiError as error:
        if error.status_code == 404:
            raise Http404(str(error.detail)) from None
        messages.error(request, str(error.detail))
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect("journal:trade", trade_id=trade_id)


@trading_page
@require_POST
def trade_notes_page(request: HttpRequest, trade_id: UUID) -> HttpResponse:
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _render_trade(request, trade_id, notes_form=form, status=400)
    notes = form.cleaned_data["notes"]
    return _write(
        request,
        trade_id,
        partial(update_trade_notes, user=request.user, trade_id=trade_id, notes=notes),
        "Notes saved.",
    )


@trading_page
@require_POST
def trade_tag_page(request: HttpRequest, trade_id: UUID) -> HttpResponse:
    form = TagForm(request.POST)
    if not form.is_valid():
        return _render_trade(request, trade_id, tag_form=form, status=400)
    name = form.cleaned_data["name"]
    return _write(
        request,
        trade_id,
        partial(tag_trade, user=request.user, trade_id=trade_id, name=name),
        lambda added: f"Tagged {name}." if added else f"The trade already carries {name}.",
    )


@trading_page
@require_POST
def trade_untag_page(request: HttpRequest, trade_id: UUID, tag_id: UUID) -> HttpResponse:
    return _write(
        request, trade_id, partial(untag_trade, user=request.user, trade_id=trade_id, tag_id=tag_id), "Tag removed."
    )


@trading_page
@require_POST
def trade_image_page(request: HttpRequest, trade_id: UUID) -> HttpResponse:
    form = ImageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_trade(request, trade_id, image_form=form, status=400)
    upload = partial(upload_image, user=request.user, upload=form.cleaned_data["image"], trade_id=trade_id)
    return _write(request, trade_id, upload, "Screenshot added.")


@trading_page
@require_POST
def image_delete_page(request: HttpRequest, trade_id: UUID, image_id: UUID) -> HttpResponse:
    return _write(request, trade_id, partial(delete_image, user=request.user, image_id=image_id), "Screenshot deleted.")
