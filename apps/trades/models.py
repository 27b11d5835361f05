from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.fields import amount_field
from apps.exchanges.models import ExchangeAccount


class RiskConfig(models.Model):
    """A trader's risk rules; a user without a row trades under the defaults below."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="risk_config")
    account_risk_percent = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("1.0"))
    max_risk_amount = amount_field(default=Decimal("100"))
    # In the symbol's base asset (0.5 = half a BTC on BTC_USDT), as the seed's example reads.
    # Empty (the default) sets no cap: one number of units cannot suit every asset, and the
    # leverage limit (with a stop, the risk limits too) already bounds every position.
    max_position_size = amount_field(
        null=True,
        blank=True,
        default=None,
        help_text="In the symbol's base asset (0.5 = half a BTC on BTC_USDT). Leave empty for no cap.",
    )
    max_leverage = models.PositiveSmallIntegerField(default=5)
    daily_max_drawdown_percent = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("5.0"))
    max_open_positions = models.PositiveSmallIntegerField(default=5)
    require_stop_loss = models.BooleanField(default=True)
    min_risk_reward_ratio = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("1.5"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"risk config of {self.user_id}"


class GroupStatus(models.TextChoices):
    PENDING = "PENDING"  # saved, entry not yet accepted by the venue
    OPEN = "OPEN"  # entry resting on the venue
    ACTIVE = "ACTIVE"  # entry (partly) filled, stop and targets protecting it
    CLOSED = "CLOSED"  # position flat: stopped out, all targets hit, or closed by hand
    CANCELLED = "CANCELLED"  # cancelled before the entry filled
    FAILED = "FAILED"  # the venue refused the entry


OPEN_GROUP_STATUSES = (GroupStatus.PENDING, GroupStatus.OPEN, GroupStatus.ACTIVE)


class TradeGroup(models.Model):
    """One trade: an entry, its stop-loss and a ladder of take-profits, managed together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trade_groups")
    exchange_account = models.ForeignKey(ExchangeAccount, on_delete=models.PROTECT, related_name="trade_groups")
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)  # buy | sell
    entry_type = models.CharField(max_length=8, default="limit")  # limit | market
    entry_price = amount_field(null=True, blank=True)
    quantity = amount_field()
    stop_loss_price = amount_field(null=True, blank=True)
    leverage = models.PositiveSmallIntegerField(default=1)
    break_even = models.BooleanField(default=False)
    break_even_done = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=GroupStatus.choices, default=GroupStatus.PENDING)
    filled_quantity = amount_field(default=0)
    average_entry_price = amount_field(null=True, blank=True)
    closed_quantity = amount_field(default=0)
    realized_pnl = amount_field(default=0)
    close_reason = models.CharField(max_length=32, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True)
    # sha256 of the canonical request body: the same key with a different body is a conflict.
    request_hash = models.CharField(max_length=64, blank=True)
    # The decision loop's verdict as it was when the group was approved (sizes, R:R, rules).
    decision = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Not a column: the group's orders as the last `advance_group` on this instance left them
    # (entry first, then its exits oldest first), so the request that moved the group can answer
    # without reading them back. None on an instance read from the database.
    known_orders: list[Order] | None = None
    # Not a column: True on the instance a transaction created, while it runs: no other can see
    # the group's orders yet, so none is locked again before it is sent.
    created_here: bool = False

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="trade_group_unique_idempotency_key",
            )
        ]
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} ({self.status})"


class OrderRole(models.TextChoices):
    ENTRY = "ENTRY"
    STOP_LOSS = "STOP_LOSS"
    TAKE_PROFIT = "TAKE_PROFIT"
    STANDALONE = "STANDALONE"  # a seed-004 order, outside any trade group
    CLOSE = "CLOSE"  # a reduce-only market order flattening a group closed by hand


class OrderStatus(models.TextChoices):
    WAITING = "WAITING"  # a protective leg, sent once the entry fills
    PENDING_SUBMIT = "PENDING_SUBMIT"  # saved; being sent (a worker resends it after a crash)
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"


# Every client order id the platform sends starts with this: cleanup tells its own orders apart.
CLIENT_ORDER_PREFIX = "hc"


def new_client_order_id() -> str:
    """34 characters: within Binance's 36 and every other venue's limit."""
    return f"{CLIENT_ORDER_PREFIX}{uuid.uuid4().hex}"


LIVE_ORDER_STATUSES = (OrderStatus.PENDING_SUBMIT, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
FINAL_ORDER_STATUSES = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED)


class Order(models.Model):
    """An order the platform sent (or will send) to a venue, in a trade group or on its own."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders")
    exchange_account = models.ForeignKey(ExchangeAccount, on_delete=models.PROTECT, related_name="orders")
    group = models.ForeignKey(TradeGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="orders")
    role = models.CharField(max_length=16, choices=OrderRole.choices)
    target_index = models.PositiveSmallIntegerField(null=True, blank=True)  # take-profit rung, from 0
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)  # buy | sell
    order_type = models.CharField(max_length=16)  # limit | market | stop | stop_limit
    time_in_force = models.CharField(max_length=3, default="GTC")
    price = amount_field(null=True, blank=True)
    stop_price = amount_field(null=True, blank=True)
    quantity = amount_field()
    filled_quantity = amount_field(default=0)
    average_price = amount_field(null=True, blank=True)
    reduce_only = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING_SUBMIT)
    # Sent to the venue with the order, so a resend after a crash finds the first attempt.
    client_order_id = models.CharField(max_length=36, unique=True, default=new_client_order_id)
    venue_order_id = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_unique_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["exchange_account", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.side} {self.quantity} {self.symbol} ({self.status})"


class ImportStatus(models.TextChoices):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class HistoryImport(models.Model):
    """One pass over an account's trade history; `cursor` ({symbol: venue cursor}) is saved with
    every page, so a run that dies resumes where it stopped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="history_imports")
    exchange_account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="history_imports")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    symbols = models.JSONField(default=list, blank=True)
    symbols_done = models.JSONField(default=list, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    trades_imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live import per account: a second request joins the running one.
            models.UniqueConstraint(
                fields=["exchange_account"],
                condition=Q(status__in=["QUEUED", "RUNNING"]),
                name="history_import_one_live_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"import {self.exchange_account_id} ({self.status})"


class Fill(models.Model):
    """An execution on a venue, imported from its history or seen by the order sync: the rows the
    journal builds its trades from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fills")
    exchange_account = models.ForeignKey(
        ExchangeAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="fills"
    )
    venue = models.CharField(max_length=32)
    venue_trade_id = models.CharField(max_length=64)
    venue_order_id = models.CharField(max_length=64, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="fills")
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)
    price = amount_field()
    quantity = amount_field()
    fee = amount_field(default=0)
    fee_asset = models.CharField(max_length=16, blank=True)
    realized_pnl = amount_field(null=True, blank=True)
    executed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-executed_at"]
        constraints = [
            # Venue trade ids are unique per symbol (Binance numbers them per market), and a
            # trader who removes and re-adds the same account must not see trades twice.
            models.UniqueConstraint(
                fields=["user", "venue", "symbol", "venue_trade_id"], name="fill_unique_venue_trade"
            )
        ]
        indexes = [models.Index(fields=["user", "-executed_at"])]

    def __str__(self) -> str:
        return f"{self.venue} {self.symbol} #{self.venue_trade_id}"


class DailyEquity(models.Model):
    """An account's equity when the platform first saw it on a UTC day: the base the daily
    drawdown rule measures from."""

    exchange_account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="daily_equity")
    day = models.DateField()
    # Equity is measured in a quote asset; an account trading USDT and USDC markets has a base for each.
    quote = models.CharField(max_length=16, default="USDT")
    starting_equity = amount_field()
    # Set by the risk watch when the drawdown limit is breached: new trades are refused that day.
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exchange_account", "day", "quote"], name="daily_equity_unique_day_quote")
        ]
        verbose_name = "daily equity"
        verbose_name_plural = "daily equity"

    def __str__(self) -> str:
        return f"{self.exchange_account_id} {self.day}: {self.starting_equity}"
