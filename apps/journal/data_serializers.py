"""Bodies of the journal's settings and its CSV import (apps/journal/api/data.py); the rest of
the journal's bodies are in apps/journal/serializers.py."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

from rest_framework import serializers

from apps.core.fields import AmountField, StrictCharField, StrictChoiceField, StrictIntegerField, StrictRegexField
from apps.journal.csv_trades import IMPORT_LAYOUT
from apps.journal.serializers import _Strict

# More than 0 and less than 100, at most 4 places (the column's): the pattern is the whole rule.
STOP_PERCENT_PATTERN = r"^(?=[0-9.]*[1-9])[0-9]{1,2}(\.[0-9]{1,4})?$"
TIME_ZONES = sorted(available_timezones())
STOP_HELP = (
    "The stop distance, in percent of the entry price, that R is measured against when a trade "
    "had no planned stop (those trades are marked stop_assumed); a decimal string in (0, 100)."
)
ZONE_HELP = "An IANA time zone name (Europe/Berlin): the days of daily-pnl and the hours of time-distribution."


class JournalSettingsOutput(serializers.Serializer):
    default_stop_percent = AmountField(help_text=STOP_HELP)
    time_zone = StrictCharField(help_text=ZONE_HELP)


class JournalSettingsInput(_Strict):
    request_schema = {"additionalProperties": False}

    default_stop_percent = StrictRegexField(STOP_PERCENT_PATTERN, required=False, help_text=STOP_HELP)
    time_zone = StrictChoiceField(TIME_ZONES, required=False, help_text=ZONE_HELP)

    def validate_default_stop_percent(self, value: str) -> Decimal:
        return Decimal(value)


class TradesImportInput(serializers.Serializer):
    file = serializers.FileField(help_text=IMPORT_LAYOUT)


class TradesImportOutput(serializers.Serializer):
    rows = StrictIntegerField(help_text="Trades in the file.")
    imported = StrictIntegerField(help_text="Trades new to the journal.")
    already_imported = StrictIntegerField(help_text="Trades an earlier upload brought (nothing added).")
