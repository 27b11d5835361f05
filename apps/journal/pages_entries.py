"""The journal's free-form entries: a list, a page each (Markdown rendered safely, see
apps/journal/markdown.py), and forms to write, edit and delete them through the services."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApiError
from apps.journal.forms import EntryForm
from apps.journal.markdown import render_markdown
from apps.journal.models import JournalEntry
from apps.journal.selectors import journal_entries, journal_entry
from apps.journal.services.entries import create_entry, delete_entry, update_entry
from apps.trades.views import trading_page

PAGE_SIZE = 20


def owned_entry(request: HttpRequest, entry_id: UUID) -> JournalEntry:
    try:
        return journal_entry(user=request.user, entry_id=entry_id)
    except ApiError:
        raise Http404("Journal entry not found.") from None


@trading_page
@require_GET
def entry_list_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(journal_entries(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "journal/entries.html", {"page": page})


@trading_page
@require_GET
def entry_page(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    entry = owned_entry(request, entry_id)
    return render(request, "journal/entry.html", {"entry": entry, "body": render_markdown(entry.content)})


def _save(request: HttpRequest, form: EntryForm, entry: JournalEntry | None) -> HttpResponse:
    template = {"form": form, "entry": entry}
    if not form.is_valid():
        return render(request, "journal/entry_form.html", template, status=400)
    fields = {"title": form.cleaned_data["title"], "content": form.cleaned_data["content"]}
    try:
        if entry is None:
            entry = create_entry(user=request.user, **fields)
        else:
            entry = update_entry(user=request.user, entry_id=entry.id, **fields)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return render(request, "journal/entry_form.html", template, status=400)
    messages.success(request, "Entry saved.")
    return redirect("journal:entry", entry_id=entry.id)


@trading_page
@require_http_methods(["GET", "POST"])
def entry_new_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "journal/entry_form.html", {"form": EntryForm(), "entry": None})
    return _save(request, EntryForm(request.POST), None)


@trading_page
@require_http_methods(["GET", "POST"])
def entry_edit_page(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    entry = owned_entry(request, entry_id)
    if request.method == "GET":
        return render(request, "journal/entry_form.html", {"form": EntryForm.for_entry(entry), "entry": entry})
    return _save(request, EntryForm(request.POST), entry)


@trading_page
@require_POST
def entry_delete_page(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    try:
        delete_entry(user=request.user, entry_id=entry_id)
    except ApiError:
        raise Http404("Journal entry not found.") from None
    messages.success(request, "Entry deleted.")
    return redirect("journal:entries")
