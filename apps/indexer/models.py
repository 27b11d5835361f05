from __future__ import annotations

from django.db import models

from apps.core.dbfields import Uint256Field


class ChainCursor(models.Model):
    """How far one follower has indexed: every block up to `block_number` is done."""

    name = models.CharField(max_length=64, unique=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=66, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The node's state as the follower last saw it, here and not in a process: the beat and the
    # workers restart, and an outage must log once when it starts and once when it ends.
    checked_at = models.DateTimeField(null=True, blank=True, help_text="last run that reached the node")
    node_down_since = models.DateTimeField(null=True, blank=True)
    node_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.block_number}"


class IndexedBlock(models.Model):
    """A block the follower relied on: the blocks its logs came from and each batch's last
    block. Their hashes are what reorg detection compares with the chain."""

    number = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=66, unique=True)
    parent_hash = models.CharField(max_length=66)
    timestamp = models.BigIntegerField(help_text="unix seconds")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"block {self.number}"


class ChainLog(models.Model):
    """One log of a followed contract, as the node returned it."""

    block = models.ForeignKey(IndexedBlock, on_delete=models.CASCADE, related_name="logs")
    block_number = models.BigIntegerField(db_index=True)
    tx_hash = models.CharField(max_length=66)
    log_index = models.IntegerField()
    address = models.CharField(max_length=42, db_index=True)
    topics = models.JSONField()
    data = models.TextField()

    class Meta:
        ordering = ["block_number", "log_index"]
        constraints = [models.UniqueConstraint(fields=["tx_hash", "log_index"], name="unique_chain_log")]

    def __str__(self) -> str:
        return f"log {self.tx_hash}:{self.log_index}"


# The chain index: whole blocks, their transactions with receipts, token transfers decoded from
# logs, token metadata and on-chain USD prices. Everything hangs off `Block` with CASCADE, so a
# reorg rollback is one DELETE of the blocks above the fork. Addresses are stored checksummed
# (as the API returns them), hashes as lowercase 0x-hex; raw amounts are exact integers.


class Block(models.Model):
    number = models.BigIntegerField(primary_key=True)
    hash = models.CharField(max_length=66, unique=True)
    parent_hash = models.CharField(max_length=66)
    timestamp = models.DateTimeField(db_index=True)
    miner = models.CharField(max_length=42, blank=True)
    gas_used = models.BigIntegerField()
    gas_limit = models.BigIntegerField()
    base_fee_per_gas = Uint256Field(null=True, blank=True)
    transaction_count = models.IntegerField()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"block {self.number}"


class Transaction(models.Model):
    hash = models.CharField(max_length=66, unique=True)
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="transactions")
    # Denormalised from the block: the API filters and sorts transactions by time and pages
    # through them by (timestamp, block, index) without a join.
    block_timestamp = models.DateTimeField()
    transaction_index = models.IntegerField()
    from_address = models.CharField(max_length=42)
    to_address = models.CharField(max_length=42, blank=True, help_text="blank for a contract creation")
    contract_address = models.CharField(max_length=42, blank=True, help_text="the contract it created")
    value = Uint256Field(help_text="wei")
    nonce = models.BigIntegerField()
    gas_limit = models.BigIntegerField()
    gas_used = models.BigIntegerField()
    effective_gas_price = Uint256Field(help_text="wei per gas, from the receipt")
    status = models.PositiveSmallIntegerField(help_text="1 success, 0 failed (receipt status)")
    method_id = models.CharField(max_length=10, blank=True, help_text="first 4 bytes of the input")

    class Meta:
        ordering = ["-block_id", "-transaction_index"]
        constraints = [
            models.UniqueConstraint(fields=["block", "transaction_index"], name="unique_tx_position"),
        ]
        indexes = [
            models.Index(fields=["block_timestamp", "block", "transaction_index"], name="tx_time_idx"),
            models.Index(fields=["from_address", "block_timestamp"], name="tx_from_time_idx"),
            models.Index(fields=["to_address", "block_timestamp"], name="tx_to_time_idx"),
        ]

    def __str__(self) -> str:
        return self.hash


class Token(models.Model):
    """A token contract's metadata, read once by eth_call. A token that reverts or answers
    garbage keeps blank/None fields and the reason, never an invented symbol."""

    ERC20 = "ERC-20"
    ERC721 = "ERC-721"
    STANDARDS = [(ERC20, ERC20), (ERC721, ERC721)]

    address = models.CharField(max_length=42, primary_key=True)
    standard = models.CharField(max_length=8, choices=STANDARDS)
    name = models.CharField(max_length=200, blank=True)
    symbol = models.CharField(max_length=64, blank=True)
    decimals = models.PositiveSmallIntegerField(null=True, blank=True)
    metadata_error = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.symbol or self.address


class TokenTransfer(models.Model):
    """An ERC-20 `Transfer(from, to, value)` or ERC-721 `Transfer(from, to, tokenId)` log."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="token_transfers")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="token_transfers")
    block_timestamp = models.DateTimeField()
    log_index = models.IntegerField()
    # Not a foreign key: a transfer is stored in the same batch as its block, before the token's
    # metadata has been read.
    token_address = models.CharField(max_length=42)
    standard = models.CharField(max_length=8, choices=Token.STANDARDS)
    from_address = models.CharField(max_length=42)
    to_address = models.CharField(max_length=42)
    amount = Uint256Field(null=True, blank=True, help_text="raw units (ERC-20); null for ERC-721")
    token_id = Uint256Field(null=True, blank=True, help_text="ERC-721 only")

    class Meta:
        ordering = ["block_id", "log_index"]
        constraints = [models.UniqueConstraint(fields=["block", "log_index"], name="unique_transfer_log")]
        indexes = [
            models.Index(fields=["from_address", "block_timestamp"], name="transfer_from_time_idx"),
            models.Index(fields=["to_address", "block_timestamp"], name="transfer_to_time_idx"),
            models.Index(fields=["token_address", "block_timestamp"], name="transfer_token_time_idx"),
        ]

    def __str__(self) -> str:
        return f"transfer {self.block_id}:{self.log_index}"


class TokenPrice(models.Model):
    """A token's USD price at a block, read on-chain (a Uniswap v3 pool's slot0 at that block,
    along the configured route to a USD stablecoin). The native coin is the zero address."""

    NATIVE = "0x0000000000000000000000000000000000000000"

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="prices")
    token_address = models.CharField(max_length=42)
    usd = models.DecimalField(max_digits=60, decimal_places=30)
    source = models.CharField(max_length=32, default="uniswap_v3")
    pool_address = models.CharField(max_length=42, blank=True, help_text="the last pool of the route")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["block", "token_address"], name="unique_block_token_price")]

    def __str__(self) -> str:
        return f"{self.token_address} at block {self.block_id}: {self.usd} USD"


class BackfillRange(models.Model):
    """A block range ingested by one Celery task, so several workers can backfill disjoint
    ranges while another follows the head, and the status panel can show how far each got."""

    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    STATES = [(s, s) for s in (PENDING, RUNNING, DONE, FAILED)]

    start_block = models.BigIntegerField()
    end_block = models.BigIntegerField()
    next_block = models.BigIntegerField(help_text="first block not yet ingested")
    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    error = models.CharField(max_length=300, blank=True)
    blocks_per_second = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_block__gte=models.F("start_block")), name="backfill_range_order"
            )
        ]

    def __str__(self) -> str:
        return f"blocks {self.start_block}-{self.end_block} ({self.state})"


class DevbeCall(models.Model):
    """The audit of every devbe query or script run: who, what, with which parameters, outcome."""

    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=8, choices=[("data", "data"), ("run", "run")])
    name = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    status_code = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}/{self.name} -> {self.status_code}"
