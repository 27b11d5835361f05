"""Uniswap v3 liquidity droids (seed 004): the pools they work on, the wallets that fund them,
their configuration and state, the sessions that record every state change, the bots (the
positions they hold on the chain), one row per engine run and the history a trader charts.

Amounts on the chain are integer raw units (`Uint256Field`); prices and USD values are Decimal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.dbfields import Uint256Field
from apps.core.fields import amount_field


class DroidPool(models.Model):
    """A Uniswap v3 pool a droid may provide liquidity to (`GET /api/droids/pools`)."""

    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    fee_tier = models.PositiveIntegerField()
    tick_spacing = models.PositiveIntegerField()
    token0 = models.CharField(max_length=42)
    token0_symbol = models.CharField(max_length=32)
    token0_decimals = models.PositiveSmallIntegerField()
    token1 = models.CharField(max_length=42)
    token1_symbol = models.CharField(max_length=32)
    token1_decimals = models.PositiveSmallIntegerField()
    # The position manager that mints positions on this pool (the deployment's NonfungiblePositionManager).
    position_manager = models.CharField(max_length=42)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["chain_id", "address"], name="droid_pool_unique_address")]

    def __str__(self) -> str:
        return f"{self.token0_symbol}/{self.token1_symbol} {self.fee_tier / 10_000:g}% ({self.address})"


class DroidAccount(models.Model):
    """A wallet on the chain that funds droids and holds their positions (`GET /api/droids/accounts`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="droid_accounts")
    label = models.CharField(max_length=64, blank=True)
    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    # MultiFernet token (apps.exchanges.crypto.seal) of the wallet's private key; never serialized, never logged.
    private_key = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="droid_account_unique_address"),
        ]

    def __str__(self) -> str:
        return f"{self.label or 'wallet'} {self.address}"


class DroidActive(models.IntegerChoices):
    PAUSED = 0, "Paused"
    RUNNING = 1, "Running"
    RESET = 2, "Reset"
    CLOSED = 3, "Closed"


class TriggerType(models.TextChoices):
    # Rebalance when the EMA of the pool price leaves the ladder by the trigger margins.
    EMA = "EMA"
    # Rebalance on the spot pool price itself.
    PRICE = "PRICE"


class FundingCurve(models.TextChoices):
    # Equal funding per bucket.
    FLAT = "FLAT"
    # Funding growing linearly toward the buckets nearest the price.
    LINEAR = "LINEAR"
    # Funding weighted by a normal-like curve around the price (integer weights, see ladder.py).
    GAUSSIAN = "GAUSSIAN"


class Droid(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="droids")
    account = models.ForeignKey(DroidAccount, on_delete=models.PROTECT, related_name="droids")
    pool = models.ForeignKey(DroidPool, on_delete=models.PROTECT, related_name="droids")
    block_chain = models.CharField(max_length=32, default="ethereum")
    active = models.PositiveSmallIntegerField(choices=DroidActive.choices, default=DroidActive.PAUSED)
    funding_usd = amount_field()
    trigger_type = models.CharField(max_length=16, choices=TriggerType.choices, default=TriggerType.PRICE)
    tick_buckets = models.PositiveIntegerField()
    bucket_offset = models.IntegerField(default=0)
    funding_curve_type = models.CharField(max_length=16, choices=FundingCurve.choices, default=FundingCurve.FLAT)
    max_bots = models.PositiveIntegerField()
    max_price = amount_field()
    min_price = amount_field()
    # Fractions of the price (0.03 = 3%).
    falling_rebalance_trigger = amount_field()
    rising_rebalance_trigger = amount_field()
    derivative_threshold = amount_field()
    ladder_perc_margin = amount_field()
    # Gas: the limit per run is in gwei; the budget is the total gas fees (in ETH) the droid may spend.
    max_gas_price = amount_field()
    gas_budget_limit = amount_field(null=True, blank=True)
    gas_spent_eth = amount_field(default=0)
    tx_priority = models.PositiveSmallIntegerField(default=1)
    # Why the engine paused the droid by itself (repeated failures, budget spent); cleared on restart.
    paused_reason = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The EMA of the pool price the EMA trigger compares against (token1 per token0).
    price_ema = amount_field(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["active"])]

    def __str__(self) -> str:
        return f"droid {self.pk} on {self.pool_id}"


class SessionStatus(models.TextChoices):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RESET = "RESET"
    CLOSED = "CLOSED"


class DroidSession(models.Model):
    """One stretch in one state: every change of `active` closes the open session and opens the next,
    with who did it (null: the engine itself) and why."""

    droid = models.ForeignKey(Droid, on_delete=models.CASCADE, related_name="sessions")
    status = models.CharField(max_length=16, choices=SessionStatus.choices)
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["droid"], condition=models.Q(stopped_at__isnull=True), name="droid_one_open_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.status} since {self.started_at:%Y-%m-%d %H:%M}"


class BotStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class DroidBot(models.Model):
    """A position the droid holds: one NonfungiblePositionManager token."""

    droid = models.ForeignKey(Droid, on_delete=models.CASCADE, related_name="bots")
    token_id = Uint256Field()
    status = models.CharField(max_length=16, choices=BotStatus.choices, default=BotStatus.ACTIVE)
    tick_lower = models.IntegerField()
    tick_upper = models.IntegerField()
    liquidity = Uint256Field()
    # Raw amounts deposited at mint, and (once closed) taken out and collected as fees.
    amount0 = Uint256Field()
    amount1 = Uint256Field()
    fees0 = Uint256Field(default=0)
    fees1 = Uint256Field(default=0)
    mint_tx = models.CharField(max_length=66)
    close_tx = models.CharField(max_length=66, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tick_lower", "id"]
        constraints = [models.UniqueConstraint(fields=["droid", "token_id"], name="droid_bot_unique_token")]

    def __str__(self) -> str:
        return f"position {self.position_id} [{self.tick_lower}, {self.tick_upper}) {self.status}"

    @property
    def position_id(self) -> str:
        return hex(int(self.token_id))


class RunOutcome(models.TextChoices):
    MINTED = "MINTED"
    REBALANCED = "REBALANCED"
    IN_RANGE = "IN_RANGE"
    GAS_TOO_HIGH = "GAS_TOO_HIGH"
    FAILED = "FAILED"
    PAUSED = "PAUSED"
    CLOSED = "CLOSED"


class DroidRun(models.Model):
    """What one engine run saw and did, so a trader can tell why a droid did or did not act."""

    droid = models.ForeignKey(Droid, on_delete=models.CASCADE, related_name="runs")
    ran_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=RunOutcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    gas_price_gwei = amount_field(null=True, blank=True)
    price = amount_field(null=True, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.ran_at:%Y-%m-%d %H:%M:%S}"


class DroidHistory(models.Model):
    """The droid's holdings at one run (`GET /api/droids/{id}/history`): AUM and the pool price in
    token1 per token0, the tokens in its positions (human units), the ETH in its wallet, and the
    fees collected so far in USD, so a trader sees position value against fees earned."""

    droid = models.ForeignKey(Droid, on_delete=models.CASCADE, related_name="history")
    time_stamp = models.DateTimeField()
    block_number = models.PositiveBigIntegerField()
    aum = amount_field()
    price = amount_field()
    token0_positions = amount_field()
    token1_positions = amount_field()
    eth_wallet = amount_field()
    fees_usd = amount_field(default=0)

    class Meta:
        ordering = ["-time_stamp", "-id"]
        indexes = [models.Index(fields=["droid", "-time_stamp"])]

    def __str__(self) -> str:
        return f"AUM {self.aum} at {self.time_stamp:%Y-%m-%d %H:%M}"
