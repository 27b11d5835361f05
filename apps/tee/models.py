"""What the backend remembers about the TEE snapshots it submitted (apps/tee/services.py).

One row per (job, signed report): the claim taken before reportSnapshot is sent, so the same
report is never submitted twice (beat and the admin action may race), and the polled
balance_report kept until the chain follower's Snapshot row for its transaction exists."""

from __future__ import annotations

from django.db import models

from apps.core.dbfields import Uint256Field


class TeeSnapshotReport(models.Model):
    job_id = models.BigIntegerField(help_text="the contract's job id")
    report_hash = models.CharField(max_length=66, help_text="keccak256 of the canonical signed report JSON")
    reported_value = Uint256Field(help_text="usdt_balance in USDC raw units (6 decimals, rounded down)")
    balance_report = models.JSONField()
    enclave_signature = models.CharField(max_length=132)
    attestation = models.TextField(help_text="0x hex of the bytes sent to reportSnapshot")
    tx_hash = models.CharField(max_length=66, blank=True, db_index=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job_id", "report_hash"], name="tee_snapshot_once_per_report")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"TEE report {self.report_hash[:10]} of job {self.job_id}"
