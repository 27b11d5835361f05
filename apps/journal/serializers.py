"""The journal API's bodies: output serializers are its OpenAPI schema (apps/journal/presenters.py
writes the same keys in the same order), input serializers validate requests.

Amounts are decimal strings (P&L and R signed), times ISO-8601 UTC with a `Z`, ids UUIDs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers
from rest_framework.fields import empty

from apps.core.fields import (
    AmountField,
    IsoZDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
    schema_field,
)
from apps.core.pagination import PaginationSerializer
from apps.core.query import QuerySerializer
from apps.exchanges.venues.base import SYMBOL_PATTERN
from apps.journal.selectors import TradeFilters

MAX_NOTES = 20_000
MAX_CONTENT = 100_000
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# What JSON Schema's (ECMAScript's) `\\s` counts as space, spelt out so the schema's pattern and
# the server's check are the same set (Python's differs at the edges).
BLANKS = (
    "\t\n\x0b\x0c\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# A tag name has something besides space in it (trimmed before it is stored).
NAME_PATTERN = f"[^{BLANKS}]"
_NAME = re.compile(NAME_PATTERN)
# A day (`2026-03-01`, UTC) or an instant with its zone (`2026-03-01T08:00:00Z`).
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
# MAE and MFE (apps/journal/services/excursions.py).
EXCURSION = (
    "Maximum {} excursion: the furthest the price went {} the position from the entry, in quote per unit of "
    "base (a price distance, 0 or more; x quantity for a quote amount), from the market's candles over the "
    "trade's life. Null until measured, or when no candles cover it (an import, an unreachable venue)."
)


# --- output -----------------------------------------------------------------------------------


class TradeTagOutput(serializers.Serializer):
    id = StrictUUIDField()
    name = StrictCharField()
    color = StrictCharField(help_text="#rrggbb, or empty.")


class JournalTradeOutput(serializers.Serializer):
    id = StrictUUIDField()
    exchange_account_id = StrictUUIDField(allow_null=True)
    trade_group_id = StrictUUIDField(allow_null=True, help_text="The trade group it was opened by, if any.")
    venue = StrictCharField()
    symbol = StrictCharField()
    side = StrictCharField(help_text="buy (a long) or sell (a short): the opening side.")
    quantity = AmountField(help_text="In the base asset.")
    entry_price = AmountField(help_text="Volume-weighted over the entries.")
    exit_price = AmountField(help_text="Volume-weighted over the exits.")
    fees = AmountField(help_text="In the quote asset, each fee converted at its fill's price.")
    fees_complete = StrictBooleanField(help_text="False when a fee in a third asset (BNB) is left out of `fees`.")
    gross_pnl = AmountField(help_text="Signed, in the quote asset.")
    net_pnl = AmountField(help_text="gross_pnl - fees.")
    stop_price = AmountField(allow_null=True, help_text="The planned stop, or the assumed one (stop_assumed).")
    risk_amount = AmountField(allow_null=True, help_text="Quantity x the stop distance.")
    r_multiple = AmountField(allow_null=True, help_text="net_pnl / risk_amount; signed.")
    stop_assumed = StrictBooleanField(help_text="No stop was planned: R uses your default stop distance.")
    opened_at = IsoZDateTimeField()
    closed_at = IsoZDateTimeField()
    duration_seconds = StrictIntegerField()
    mae = AmountField(allow_null=True, help_text=EXCURSION.format("adverse", "against"))
    mfe = AmountField(allow_null=True, help_text=EXCURSION.format("favourable", "for"))
    tags = TradeTagOutput(many=True)


class ImageOutput(serializers.Serializer):
    id = StrictUUIDField()
    trade_id = StrictUUIDField(allow_null=True, help_text="The journal trade it is attached to.")
    url = StrictCharField(help_text="Where its owner (and only its owner) downloads it.")
    content_type = StrictCharField(help_text="image/png, image/jpeg or image/webp.")
    size = StrictIntegerField(help_text="Bytes stored (re-encoded, without metadata): what the quota counts.")
    width = StrictIntegerField()
    height = StrictIntegerField()
    created_at = IsoZDateTimeField()


class FormUUIDField(StrictUUIDField):
    """A UUID form field sent empty is a bad id (400), not an absent one as in an HTML form: the
    schema says uuid, and an upload meant for a trade must not land beside it unnoticed."""

    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


class ImageUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="A PNG, JPEG or WebP image; its metadata (EXIF, GPS) is not kept.")
    trade_id = FormUUIDField(required=False, help_text="Attach it to this journal trade of yours.")


class StorageOutput(serializers.Serializer):
    used = StrictIntegerField(help_text="Bytes your images take.")
    quota = StrictIntegerField(help_text="Bytes you may store.")
    count = StrictIntegerField(help_text="How many images you have.")


class JournalTradeDetailOutput(JournalTradeOutput):
    notes = StrictCharField()
    images = ImageOutput(many=True, help_text="Screenshots attached to the trade, oldest first.")


class JournalTradePageOutput(serializers.Serializer):
    data = JournalTradeOutput(many=True)
    pagination = PaginationSerializer()


class TagOutput(TradeTagOutput):
    trade_count = StrictIntegerField()
    created_at = IsoZDateTimeField()


class TagListOutput(serializers.Serializer):
    data = TagOutput(many=True)


class EntryOutput(serializers.Serializer):
    id = StrictUUIDField()
    title = StrictCharField()
    content = StrictCharField(help_text="Markdown, as written.")
    created_at = IsoZDateTimeField()
    updated_at = IsoZDateTimeField()


class EntryPageOutput(serializers.Serializer):
    data = EntryOutput(many=True)
    pagination = PaginationSerializer()


# --- input ------------------------------------------------------------------------------------


class _Strict(serializers.Serializer):
    """A body whose unknown fields are a 400, not silently dropped."""

    request_schema = {"additionalProperties": False}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


def _tag_name(value: str) -> str:
    if not _NAME.search(value):
        raise serializers.ValidationError({"name": ["Must not be blank."]})
    return value.strip(BLANKS)


def _name_field(**kwargs: Any) -> serializers.Field:
    schema = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NAME_PATTERN}
    return schema_field(StrictCharField, schema, min_length=1, max_length=64, **kwargs)


class NotesInput(_Strict):
    # A PATCH of the notes alone: drf-spectacular makes every field of a PATCH optional.
    request_schema = {"additionalProperties": False, "minProperties": 1, "required": ["notes"]}

    notes = StrictCharField(max_length=MAX_NOTES, allow_blank=True)


class TradeTagInput(_Strict):
    # Exactly one of the two: both satisfy both branches, which `oneOf` refuses.
    request_schema = {
        "additionalProperties": False,
        "minProperties": 1,
        "oneOf": [{"required": ["tag_id"]}, {"required": ["name"]}],
    }

    tag_id = StrictUUIDField(required=False, help_text="One of your tags.")
    name = _name_field(required=False, help_text="A tag by name, created if you have none by that name.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if ("tag_id" in attrs) == ("name" in attrs):
            raise serializers.ValidationError({"tag_id": ["Give either tag_id or name."]})
        if "name" in attrs:
            attrs["name"] = _tag_name(attrs["name"])
        return attrs


class TagInput(_Strict):
    name = _name_field(help_text="Unique among your tags, whatever the case; trimmed.")
    color = StrictRegexField(COLOR_PATTERN, required=False, allow_blank=True, default="", help_text="#rrggbb.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs["name"] = _tag_name(attrs["name"])
        return attrs


class EntryInput(_Strict):
    title = StrictCharField(min_length=1, max_length=200)
    content = StrictCharField(max_length=MAX_CONTENT, allow_blank=True, help_text="Markdown.")


def _instant(raw: str, *, end: bool) -> datetime:
    """A day as its first instant in UTC (the day after it, for an `end`: the range includes
    the whole day), or the instant given."""
    day = parse_date(raw) if "T" not in raw else None
    if day is not None:
        start = datetime.combine(day, time(), tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    value = parse_datetime(raw)
    if value is None:
        raise serializers.ValidationError("Not a valid date or date-time.")
    return value


class TradeFilterQuery(QuerySerializer):
    start_date = StrictRegexField(
        DATE_PATTERN, required=False, help_text="Trades closed from this day (UTC) or instant on."
    )
    end_date = StrictRegexField(
        DATE_PATTERN, required=False, help_text="Trades closed up to this day (UTC, inclusive) or before this instant."
    )
    symbol = StrictRegexField(SYMBOL_PATTERN, required=False, help_text="BTC_USDT (any case).")
    side = StrictChoiceField(choices=["buy", "sell"], required=False)
    tag = StrictUUIDField(required=False, help_text="A tag id: trades carrying it.")
    exchange_account_id = StrictUUIDField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name, end in (("start_date", False), ("end_date", True)):
            if name in attrs:
                try:
                    attrs[name] = _instant(attrs[name], end=end)
                except (serializers.ValidationError, ValueError):
                    raise serializers.ValidationError({name: ["Not a valid date or date-time."]}) from None
        if "start_date" in attrs and "end_date" in attrs and attrs["start_date"] >= attrs["end_date"]:
            raise serializers.ValidationError({"end_date": ["Must be after start_date."]})
        return attrs

    def to_filters(self) -> TradeFilters:
        given = self.validated_data
        return TradeFilters(
            start=given.get("start_date"),
            end=given.get("end_date"),
            symbol=given["symbol"].upper() if "symbol" in given else None,
            side=given.get("side"),
            tag_id=given.get("tag"),
            exchange_account_id=given.get("exchange_account_id"),
        )


# --- analytics output ---------------------------------------------------------------------------


def _ratio_field(help_text: str) -> serializers.Field:
    return StrictCharField(allow_null=True, help_text=f"{help_text} Rounded to 8 places; null when undefined.")


class OverviewOutput(serializers.Serializer):
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField(help_text="Trades with net P&L above 0.")
    loss_count = StrictIntegerField(help_text="Trades with net P&L below 0.")
    win_rate = _ratio_field("win_count / trade_count.")
    average_r = _ratio_field("Mean R of the trades that have one.")
    profit_factor = _ratio_field("Wins' net P&L over the losses' (positive).")
    expectancy = _ratio_field("net_pnl / trade_count, in the quote asset.")
    gross_pnl = StrictCharField()
    net_pnl = StrictCharField()
    fees = StrictCharField()
    largest_win = StrictCharField(allow_null=True)
    largest_loss = StrictCharField(allow_null=True)
    max_drawdown = StrictCharField(help_text="Largest fall of the equity curve below its running peak (from 0).")


class EquityPointOutput(serializers.Serializer):
    trade_id = StrictUUIDField()
    closed_at = IsoZDateTimeField()
    net_pnl = StrictCharField()
    cumulative_pnl = StrictCharField()


class EquityCurveOutput(serializers.Serializer):
    data = EquityPointOutput(many=True)
    total_points = StrictIntegerField(help_text="Trades on the whole curve; more than len(data) when downsampled.")
    downsampled = StrictBooleanField(help_text="True when data holds fewer points than the curve (max_points).")


class DayOutput(serializers.Serializer):
    date = StrictCharField(help_text="YYYY-MM-DD in time_zone.")
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField()
    gross_pnl = StrictCharField()
    fees = StrictCharField()
    net_pnl = StrictCharField()


class DailyPnlOutput(serializers.Serializer):
    time_zone = StrictCharField()
    data = DayOutput(many=True)


class SymbolOutput(serializers.Serializer):
    symbol = StrictCharField()
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField()
    gross_pnl = StrictCharField()
    fees = StrictCharField()
    net_pnl = StrictCharField()
    win_rate = _ratio_field("win_count / trade_count.")


class SymbolBreakdownOutput(serializers.Serializer):
    data = SymbolOutput(many=True)


class DurationBucketOutput(serializers.Serializer):
    min_seconds = StrictIntegerField()
    max_seconds = StrictIntegerField(allow_null=True, help_text="Exclusive; null for the last bucket.")
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField()
    gross_pnl = StrictCharField()
    fees = StrictCharField()
    net_pnl = StrictCharField()
    average_pnl = _ratio_field("net_pnl / trade_count.")


class DurationProfitOutput(serializers.Serializer):
    data = DurationBucketOutput(many=True)


class ReturnBucketOutput(serializers.Serializer):
    min_r = StrictCharField(allow_null=True, help_text="Inclusive; null for the first bucket.")
    max_r = StrictCharField(allow_null=True, help_text="Exclusive; null for the last bucket.")
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField()
    net_pnl = StrictCharField()


class ReturnDistributionOutput(serializers.Serializer):
    data = ReturnBucketOutput(many=True)
    trades_without_r = StrictIntegerField()


class HourOutput(serializers.Serializer):
    hour = StrictIntegerField(help_text="0-23 in time_zone.")
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField()
    net_pnl = StrictCharField()


class WeekdayOutput(serializers.Serializer):
    weekday = StrictIntegerField(help_text="1 Monday .. 7 Sunday, in time_zone.")
    trade_count = StrictIntegerField()
    win_count = StrictIntegerField()
    net_pnl = StrictCharField()


class TimeDistributionOutput(serializers.Serializer):
    time_zone = StrictCharField()
    by_hour = HourOutput(many=True)
    by_weekday = WeekdayOutput(many=True)


class OptionTagOutput(serializers.Serializer):
    id = StrictUUIDField()
    name = StrictCharField()


class OptionAccountOutput(serializers.Serializer):
    id = StrictUUIDField()
    exchange_name = StrictCharField()
    label = StrictCharField()


class FilterOptionsOutput(serializers.Serializer):
    symbols = serializers.ListField(child=StrictCharField())
    sides = serializers.ListField(child=StrictCharField())
    tags = OptionTagOutput(many=True)
    exchange_accounts = OptionAccountOutput(many=True)
    first_closed_at = IsoZDateTimeField(allow_null=True)
    last_closed_at = IsoZDateTimeField(allow_null=True)
