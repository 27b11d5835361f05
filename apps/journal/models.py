"""The journal: closed trades matched from fills, the trader's notes and tags on them, entries.

A `JournalTrade` is computed (apps/journal/matching.py) and rewritten whenever its fills change;
only `notes` and the tags are the trader's, and a recomputation never touches them. Every amount
is a Decimal in the symbol's quote asset.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from apps.core.fields import amount_field
from apps.exchanges.models import ExchangeAccount
from apps.trades.models import Fill, TradeGroup

# A trade whose opening order set no stop is measured in R against this distance from its
# entry, in percent, unless the trader set their own (`JournalSettings`).
DEFAULT_STOP_PERCENT = Decimal("1")


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Berlin.") from None


def signed_amount_field(**kwargs: object) -> models.DecimalField:
    """P&L and R: signed, as wide as the amounts they come from."""
    return models.DecimalField(max_digits=38, decimal_places=18, **kwargs)


class JournalSettings(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_settings")
    default_stop_percent = models.DecimalField(max_digits=7, decimal_places=4, default=DEFAULT_STOP_PERCENT)
    # IANA name (Europe/Berlin): the days of the daily P&L and the hours of the time distribution.
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"journal settings of {self.user_id}"


class JournalTrade(models.Model):
    """One round trip: a position from flat back to flat (or to the other side) on one account
    and symbol. Keyed by its opening fill, so a recomputation finds the same row again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_trades")
    exchange_account = models.ForeignKey(
        ExchangeAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="journal_trades"
    )
    opening_fill = models.OneToOneField(Fill, on_delete=models.CASCADE, related_name="journal_trade")
    trade_group = models.ForeignKey(
        TradeGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="journal_trades"
    )
    venue = models.CharField(max_length=32)
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)  # buy (long) | sell (short): the opening side
    quantity = amount_field()
    entry_price = amount_field()  # volume-weighted over the entries
    exit_price = amount_field()  # volume-weighted over the exits
    fees = amount_field()  # in the quote asset, each converted at its fill's price
    # False when a fee was paid in a third asset (BNB) the fills give no price for: left out of `fees`.
    fees_complete = models.BooleanField(default=True)
    gross_pnl = signed_amount_field()
    net_pnl = signed_amount_field()
    stop_price = amount_field(null=True, blank=True)
    risk_amount = amount_field(null=True, blank=True)
    r_multiple = signed_amount_field(null=True, blank=True)
    # True when no stop was planned and R is measured against the trader's default stop distance.
    stop_assumed = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField()
    duration_seconds = models.BigIntegerField()
    fill_count = models.PositiveIntegerField()
    # Worst and best price move against / for the position over its life, in quote per unit;
    # null until candles are wired in.
    mae = amount_field(null=True, blank=True)
    mfe = amount_field(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The equity curve at this trade, kept by apps/journal/services/curve.py: its position in close
    # order, the cumulative net P&L through it and the running peak (the analytics read them).
    curve_seq = models.BigIntegerField(null=True, blank=True, editable=False)
    curve_equity = signed_amount_field(null=True, blank=True, editable=False)
    curve_peak = signed_amount_field(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-closed_at"]
        indexes = [
            # The curve's order (and, read backwards, the list's): with net P&L in the index the
            # equity curve and the drawdown read it alone, in order, without a sort or the table.
            models.Index(fields=["user", "closed_at", "id"], include=["net_pnl"], name="journal_trade_curve"),
            # The stored curve in order: the thinned equity curve is one pass over this index alone.
            models.Index(fields=["user", "curve_seq"], include=["curve_equity"], name="journal_trade_curve_seq"),
            models.Index(fields=["user", "symbol", "-closed_at"]),
            models.Index(fields=["exchange_account", "symbol", "closed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} closed {self.closed_at:%Y-%m-%d}"


# The columns a recomputation from fills owns (apps/journal/services/updates.py); `notes`, the
# tags and `mae`/`mfe` are left as they are.
COMPUTED_FIELDS = (
    "exchange_account_id",
    "trade_group_id",
    "venue",
    "symbol",
    "side",
    "quantity",
    "entry_price",
    "exit_price",
    "fees",
    "fees_complete",
    "gross_pnl",
    "net_pnl",
    "stop_price",
    "risk_amount",
    "r_multiple",
    "stop_assumed",
    "opened_at",
    "closed_at",
    "duration_seconds",
    "fill_count",
)


class JournalSeries(models.Model):
    """Where the journal stands on one series (a user's fills on one account and symbol):
    the last point its position was flat, from which the next update matches on
    (apps/journal/services/updates.py), and the newest fill its last update saw, which the
    sweep compares against the fills to redo an update whose task was lost."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_series")
    exchange_account = models.ForeignKey(
        ExchangeAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="journal_series"
    )
    symbol = models.CharField(max_length=32)
    # The last fill after which the position was flat, in execution order (its sort key), and
    # how many of the series' fills run up to and including it: when that count no longer
    # holds, a fill arrived (or went) before it and the next update matches the whole series.
    flat_fill_id = models.UUIDField(null=True, blank=True)
    flat_executed_at = models.DateTimeField(null=True, blank=True)
    flat_venue_trade_id = models.CharField(max_length=64, blank=True)
    flat_fill_count = models.PositiveIntegerField(default=0)
    # The newest `Fill.created_at` of the series when it was last updated.
    fills_seen_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "journal series"
        constraints = [
            # NULL accounts are distinct to a plain unique constraint: the null one is its own.
            models.UniqueConstraint(
                fields=["user", "exchange_account", "symbol"],
                condition=models.Q(exchange_account__isnull=False),
                name="journal_series_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "symbol"],
                condition=models.Q(exchange_account__isnull=True),
                name="journal_series_unique_without_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} on {self.exchange_account_id} of {self.user_id}"


class JournalTag(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_tags")
    name = models.CharField(max_length=64)
    color = models.CharField(max_length=7, blank=True)  # #rrggbb
    created_at = models.DateTimeField(auto_now_add=True)
    trades = models.ManyToManyField(JournalTrade, through="JournalTradeTag", related_name="tags")

    class Meta:
        ordering = ["name"]
        constraints = [
            # "Breakout" and "breakout" are one tag to a trader.
            models.UniqueConstraint("user", Lower("name"), name="journal_tag_unique_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class JournalTradeTag(models.Model):
    trade = models.ForeignKey(JournalTrade, on_delete=models.CASCADE, related_name="trade_tags")
    tag = models.ForeignKey(JournalTag, on_delete=models.CASCADE, related_name="trade_tags")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trade", "tag"], name="journal_trade_tag_unique")]
        indexes = [models.Index(fields=["tag", "trade"])]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.trade_id}"


class JournalEntry(models.Model):
    """A free-form journal page in Markdown (rendered sanitised on pages, never trusted as HTML)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries")
    title = models.CharField(max_length=200)
    content = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return self.title


class JournalStorageUsage(models.Model):
    """What a trader's images take: the row an upload locks, so that two uploads at once are
    checked against the quota one after the other (apps/journal/services/images.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="journal_storage"
    )
    used_bytes = models.BigIntegerField(default=0)
    image_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.used_bytes} bytes in {self.image_count} images of {self.user_id}"


class JournalImage(models.Model):
    """An uploaded screenshot, re-encoded without its metadata; its bytes are in the default
    storage under `file`, and `size_bytes` (what the quota counts) is what was stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_images")
    # A trade rebuilt from fills keeps its id; one that disappears leaves the image to its owner.
    trade = models.ForeignKey(JournalTrade, null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    file = models.CharField(max_length=255)
    content_type = models.CharField(max_length=32)
    size_bytes = models.BigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["trade", "created_at"]), models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return self.file


# Trades per block of the stored equity curve (JournalCurveBlock).
CURVE_BLOCK = 64


class JournalCurveBlock(models.Model):
    """The lowest and highest point of each run of `CURVE_BLOCK` trades of a trader's stored
    equity curve, `block` holding the trades whose `curve_seq` is block * CURVE_BLOCK + 1 ..
    (block + 1) * CURVE_BLOCK (the earliest of equal points): a thinned curve of a long history
    reads these instead of every trade (apps/journal/analytics.py). Kept with the curve by
    apps/journal/services/curve.py."""

    # No index of its own: the unique (user, block) serves it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_curve_blocks", db_index=False
    )
    block = models.IntegerField()
    low_seq = models.BigIntegerField()
    low_equity = signed_amount_field()
    high_seq = models.BigIntegerField()
    high_equity = signed_amount_field()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "block"], name="journal_curve_block_unique")]

    def __str__(self) -> str:
        return f"curve block {self.block} of {self.user_id}"


class JournalRollup(models.Model):
    """A user's trades summed per UTC day of closing and per value of one analytics dimension
    (`kind`, `key`), so the unfiltered analytics add up rows per day instead of scanning a
    history of a million trades (services/rollups.py keeps them; PostgreSQL only).

    Kinds: `all` (key ""), `day` and `hour` (the close day, and the opening hour and ISO weekday
    as "H:D", in the trader's time zone), `symbol`, `side`, `duration` and `r` (bucket indexes,
    -1 for no R). A local day that straddles two UTC days has a row in each: reads add them up
    by key."""

    # No index of its own: the unique cell's (user, ...) serves it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    closed_day = models.DateField()  # UTC
    kind = models.CharField(max_length=8)
    key = models.CharField(max_length=64, blank=True)
    trade_count = models.BigIntegerField()
    win_count = models.BigIntegerField()
    loss_count = models.BigIntegerField()
    # Sums of up to millions of trades: wider than one trade's amounts.
    gross_pnl = models.DecimalField(max_digits=60, decimal_places=18)
    net_pnl = models.DecimalField(max_digits=60, decimal_places=18)
    fees = models.DecimalField(max_digits=60, decimal_places=18)
    won = models.DecimalField(max_digits=60, decimal_places=18)
    lost = models.DecimalField(max_digits=60, decimal_places=18)
    largest_win = signed_amount_field(null=True)
    largest_loss = signed_amount_field(null=True)
    r_total = models.DecimalField(max_digits=60, decimal_places=18, null=True)
    r_count = models.BigIntegerField()
    max_drawdown = models.DecimalField(max_digits=60, decimal_places=18, null=True)
    first_closed_at = models.DateTimeField()
    last_closed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key", "closed_day"], name="journal_rollup_cell"),
        ]
        indexes = [models.Index(fields=["user", "closed_day"], name="journal_rollup_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.closed_day} of {self.user_id}"
