from __future__ import annotations

from django.db import models


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
