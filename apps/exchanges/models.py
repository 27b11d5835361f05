from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from apps.core.fields import amount_field


class AccountKind(models.TextChoices):
    API_KEY = "API_KEY"
    AGENT_WALLET = "AGENT_WALLET"
    PAPER = "PAPER"


class AccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    # Removed accounts keep their row (and the trades imported through them) with the
    # credentials wiped: the journal still needs to say where a trade happened.
    REMOVED = "REMOVED"


class ExchangeAccount(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_accounts")
    # A ccxt exchange id (`binance`, `okx`, `bybit`, ...) or `paper` for the built-in paper exchange.
    exchange_name = models.CharField(max_length=32)
    label = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=AccountKind.choices, default=AccountKind.API_KEY)
    # MultiFernet token of {"api_key", "secret", "passphrase"?}; never serialized, never logged.
    credentials = models.TextField(blank=True, editable=False)
    # The last four characters of the API key, so a trader can tell two accounts apart.
    key_hint = models.CharField(max_length=8, blank=True)
    # HMAC-SHA256 of the API key under SECRET_KEY: finds a key added twice without storing it in
    # the clear. Empty for paper accounts and once an account is removed.
    key_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["user", "status"])]
        constraints = [
            # One live account per key: adding the same key twice answers 409, even under a race.
            models.UniqueConstraint(
                fields=["user", "exchange_name", "key_fingerprint"],
                condition=models.Q(status="ACTIVE") & ~models.Q(key_fingerprint=""),
                name="exchange_account_unique_live_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exchange_name} {self.label or self.key_hint} ({self.user_id})"


class AgentWalletStatus(models.TextChoices):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REVOKED = "REVOKED"


class AgentWallet(models.Model):
    """A Hyperliquid agent key made here: it may trade for the trader's master wallet once the
    master has approved it, and never withdraw."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_wallets")
    exchange_account = models.OneToOneField(
        ExchangeAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_wallet"
    )
    name = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=42, unique=True)
    master_address = models.CharField(max_length=42, blank=True)
    # MultiFernet token of the agent's private key.
    private_key = models.TextField(editable=False)
    status = models.CharField(max_length=16, choices=AgentWalletStatus.choices, default=AgentWalletStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"agent {self.address} ({self.status})"


# --- the built-in paper exchange's book of record -------------------------------------------


class PaperPrice(models.Model):
    """The paper exchange's last price per symbol (`BTC_USDT`); the market feed moves it."""

    symbol = models.CharField(max_length=32, primary_key=True)
    price = amount_field()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.symbol} {self.price}"


class PaperBalance(models.Model):
    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="paper_balances")
    asset = models.CharField(max_length=16)
    total = amount_field(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "asset"], name="paper_balance_unique_asset")]

    def __str__(self) -> str:
        return f"{self.asset} {self.total}"


class PaperPosition(models.Model):
    """A net position per symbol, margined in the quote asset: positive long, negative short."""

    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="paper_positions")
    symbol = models.CharField(max_length=32)
    quantity = amount_field(default=0)
    entry_price = amount_field(default=0)
    leverage = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "symbol"], name="paper_position_unique_symbol")]

    def __str__(self) -> str:
        return f"{self.symbol} {self.quantity} @ {self.entry_price}"


class PaperOrderStatus(models.TextChoices):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class PaperOrder(models.Model):
    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="paper_orders")
    client_order_id = models.CharField(max_length=64)
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)
    order_type = models.CharField(max_length=16)
    time_in_force = models.CharField(max_length=3, default="GTC")
    price = amount_field(null=True, blank=True)
    stop_price = amount_field(null=True, blank=True)
    quantity = amount_field()
    filled_quantity = amount_field(default=0)
    average_price = amount_field(null=True, blank=True)
    reduce_only = models.BooleanField(default=False)
    triggered = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=PaperOrderStatus.choices, default=PaperOrderStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The fills the engine made for this instance while it was being placed, for the venue's answer
    # to carry; None on an instance read from the database.
    new_fills: list[PaperFill] | None = None

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "client_order_id"], name="paper_order_unique_client_id")
        ]
        indexes = [models.Index(fields=["symbol", "status"])]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} ({self.status})"


class PaperFill(models.Model):
    """The paper exchange's trade history; `id` is the venue trade id."""

    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="paper_fills")
    order = models.ForeignKey(PaperOrder, on_delete=models.CASCADE, related_name="fills")
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4)
    price = amount_field()
    quantity = amount_field()
    fee = amount_field(default=0)
    fee_asset = models.CharField(max_length=16)
    realized_pnl = amount_field(default=0)
    executed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "symbol", "id"])]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} @ {self.price}"


class PaperCandle(models.Model):
    """One minute of a paper market's price (open, high, low, close), recorded from the feed's
    ticks (`apps.exchanges.paper.candles`): the paper exchange's price history for charts."""

    symbol = models.CharField(max_length=32)
    opened_at = models.DateTimeField()  # the minute's start, UTC
    open = amount_field()
    high = amount_field()
    low = amount_field()
    close = amount_field()

    class Meta:
        ordering = ["symbol", "opened_at"]
        constraints = [models.UniqueConstraint(fields=["symbol", "opened_at"], name="paper_candle_unique_minute")]
        indexes = [models.Index(fields=["opened_at"], name="paper_candle_opened_at")]

    def __str__(self) -> str:
        return f"{self.symbol} {self.opened_at:%Y-%m-%d %H:%M} {self.close}"
