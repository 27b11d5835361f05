"""Input shapes of the journal's pages. The filters are the API's (`TradeFilterQuery`), so a
filter means the same thing on a page as on `/api/v1/journal/*`; the writes' rules live in the
services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from apps.journal.models import JournalEntry, JournalTag
from apps.journal.selectors import TradeFilters
from apps.journal.serializers import TradeFilterQuery

FILTER_NAMES = tuple(TradeFilterQuery().fields)
# The filter form's labels, for its error messages.
LABELS = {
    "start_date": "Closed from",
    "end_date": "Closed to",
    "symbol": "Symbol",
    "side": "Side",
    "tag": "Tag",
    "exchange_account_id": "Account",
}
DATES = ("start_date", "end_date")


@dataclass
class PageFilters:
    """The filters a page was asked for: what to query with, what the form shows back, and
    what was wrong with them (a bad value filters nothing and is said beside the form)."""

    filters: TradeFilters
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(self.values.values())


def page_filters(query: QueryDict) -> PageFilters:
    # A form sends its empty fields as `name=`: they are simply not set.
    values = {name: query.get(name, "").strip() for name in FILTER_NAMES}
    given = TradeFilterQuery(data={name: value for name, value in values.items() if value})
    if given.is_valid():
        return PageFilters(filters=given.to_filters(), values=values)
    errors = [
        f"{LABELS.get(name, 'Filters')}: "
        + (
            "use a date like 2026-03-01."
            if name in DATES and "pattern" in str(messages)
            else " ".join(map(str, messages))
        )
        for name, messages in given.errors.items()
    ]
    return PageFilters(filters=TradeFilters(), values=values, errors=errors)


class NotesForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)


class TagForm(forms.Form):
    name = forms.CharField(
        label="Tag",
        max_length=JournalTag._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"list": "known-tags", "autocomplete": "off", "placeholder": "breakout"}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name the tag.")
        return name


class ImageForm(forms.Form):
    image = forms.FileField(label="Screenshot", widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class EntryForm(forms.Form):
    title = forms.CharField(max_length=JournalEntry._meta.get_field("title").max_length)
    content = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown: **bold**, *italic*, lists, links, `code`. HTML is shown as text.",
    )

    @classmethod
    def for_entry(cls, entry: JournalEntry, data: Any = None) -> EntryForm:
        return cls(data, initial={"title": entry.title, "content": entry.content})
