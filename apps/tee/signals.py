"""The follower creates Snapshot rows from SnapshotReported logs without knowing the polled
report; the one this backend submitted is attached by tx hash as the row appears (a reorg that
replays the transaction creates the row again, and it is attached again)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.jobs.models import Snapshot


@receiver(post_save, sender=Snapshot, dispatch_uid="tee-attach-balance-report")
def attach_polled_report(sender, instance: Snapshot, created: bool, **kwargs) -> None:
    if created and instance.balance_report is None:
        from apps.tee.services import attach_balance_report

        attach_balance_report(tx_hash=instance.tx_hash)
