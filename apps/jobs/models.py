from __future__ import annotations

from django.db import models
from django.utils import timezone


class ContractDeployment(models.Model):
    """Where one of the agent-jobs contracts lives on one chain."""

    chain_id = models.BigIntegerField()
    name = models.CharField(max_length=64)
    address = models.CharField(max_length=42)
    block_number = models.BigIntegerField(help_text="the block the deployment landed in")
    deployed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain_id", "name"], name="one_deployment_per_chain")]

    def __str__(self) -> str:
        return f"{self.name} on {self.chain_id} at {self.address}"
