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


# Token amounts are uint256 raw units: NUMERIC(78, 0) holds any of them exactly.
def _raw_amount(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=78, decimal_places=0, **kwargs)


class JobStatus(models.TextChoices):
    # In the contract's order: the index is the on-chain uint8.
    OPEN = "OPEN"
    FUNDED = "FUNDED"
    SUBMITTED = "SUBMITTED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    DISPUTED = "DISPUTED"
    ARBITRATED = "ARBITRATED"


class StrategyType(models.TextChoices):
    PROGRAM = "PROGRAM"
    RUBRIC = "RUBRIC"
    HYBRID = "HYBRID"
    CEX_CAPITAL = "CEX_CAPITAL"


class AgentSource(models.TextChoices):
    AACP = "AACP"
    EXTERNAL = "EXTERNAL"


class StakeRole(models.TextChoices):
    CLIENT = "CLIENT"
    PROVIDER = "PROVIDER"
    EVALUATOR = "EVALUATOR"


class Agent(models.Model):
    """An agent NFT as the indexed events describe it."""

    agent_id = models.BigIntegerField(unique=True)
    owner_address = models.CharField(max_length=42, db_index=True)
    name = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=16, choices=AgentSource.choices, default=AgentSource.AACP)
    evaluator_strategy_type = models.CharField(max_length=16, choices=StrategyType.choices, blank=True)
    reputation_score = models.IntegerField(default=0)
    total_jobs = models.IntegerField(default=0)
    completed_jobs = models.IntegerField(default=0)
    stake_available = _raw_amount(default=0)
    stake_locked = _raw_amount(default=0)

    def __str__(self) -> str:
        return f"agent {self.agent_id}"


class Job(models.Model):
    """A job of ACPCore, projected from its events (seed 002's job object)."""

    job_id = models.BigIntegerField(unique=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, db_index=True)
    strategy_type = models.CharField(max_length=16, choices=StrategyType.choices, db_index=True)
    client = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="jobs_as_client")
    provider = models.ForeignKey(Agent, on_delete=models.PROTECT, null=True, related_name="jobs_as_provider")
    evaluator = models.ForeignKey(Agent, on_delete=models.PROTECT, null=True, related_name="jobs_as_evaluator")
    budget = _raw_amount()
    escrow_balance = _raw_amount(default=0)
    program_hash = models.CharField(max_length=66, blank=True)
    rubric_hash = models.CharField(max_length=66, blank=True)
    deliverable_hash = models.CharField(max_length=66, blank=True, help_text="empty until submitted")
    passed = models.BooleanField(null=True)
    platform_fee = _raw_amount(null=True)
    evaluator_fee = _raw_amount(null=True)
    provider_payment = _raw_amount(null=True)
    # unix seconds, as the chain has them
    onchain_created_at = models.BigIntegerField()
    onchain_deadline = models.BigIntegerField()
    onchain_submitted_at = models.BigIntegerField(null=True)
    onchain_settled_at = models.BigIntegerField(null=True)
    cex_capital = _raw_amount(null=True)
    stop_loss_bps = models.IntegerField(null=True)
    target_return_bps = models.IntegerField(null=True)

    class Meta:
        ordering = ["-job_id"]
        indexes = [
            models.Index(fields=["status", "-job_id"]),
            models.Index(fields=["strategy_type", "-job_id"]),
            # Both filters at once (the jobs list's common query): its COUNT(*) was a scan of
            # every job of the strategy type, 20k rows read to keep 5k at 100k jobs.
            models.Index(fields=["status", "strategy_type", "-job_id"]),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id}"


class JobEvent(models.Model):
    """One decoded contract event that concerns a job; it dies with its chain log on a reorg."""

    chain_log = models.OneToOneField("indexer.ChainLog", on_delete=models.CASCADE, related_name="job_event")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events", null=True)
    job_number = models.BigIntegerField(db_index=True, help_text="the on-chain job id, kept if the job row goes")
    name = models.CharField(max_length=64)
    args = models.JSONField(help_text="uint256 values as decimal strings, bytes as 0x hex")
    status_after = models.CharField(max_length=16, choices=JobStatus.choices, blank=True)
    block_number = models.BigIntegerField()
    block_timestamp = models.BigIntegerField()
    tx_hash = models.CharField(max_length=66)
    log_index = models.IntegerField()

    class Meta:
        ordering = ["block_number", "log_index"]
        indexes = [models.Index(fields=["job_number", "block_number", "log_index"])]

    def __str__(self) -> str:
        return f"{self.name} of job {self.job_number}"


class StakeLock(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="stake_locks")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="stake_locks")
    role = models.CharField(max_length=16, choices=StakeRole.choices)
    amount = _raw_amount()
    active = models.BooleanField(default=True)
    locked_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "job", "role"], name="one_lock_per_agent_job_role")]

    def __str__(self) -> str:
        return f"{self.role} lock of {self.agent} on {self.job}"


class Snapshot(models.Model):
    """A TEE balance report put on chain (CEX_CAPITAL jobs)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="snapshots")
    reported_value = _raw_amount()
    snapshot_ts = models.DateTimeField()
    tx_hash = models.CharField(max_length=66)
    block_number = models.BigIntegerField()
    attestation = models.TextField(blank=True)
    balance_report = models.JSONField(null=True, blank=True, help_text="the TEE's report, when polled")

    class Meta:
        ordering = ["-snapshot_ts"]

    def __str__(self) -> str:
        return f"snapshot of {self.job} at {self.snapshot_ts}"


class Dispute(models.Model):
    dispute_id = models.BigIntegerField(unique=True)
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="dispute")
    opener = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="disputes_opened")
    opened_by = models.CharField(max_length=42)
    from_status = models.CharField(max_length=16, choices=JobStatus.choices)
    reason_hash = models.CharField(max_length=66)
    collateral = _raw_amount(default=0)
    opened_at = models.DateTimeField()
    resolved = models.BooleanField(default=False)
    provider_wins = models.BooleanField(null=True)
    resolved_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"dispute {self.dispute_id}"


class OfferStatus(models.TextChoices):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class Offer(models.Model):
    """A provider's offer for a job, made off-chain over the API with a wallet signature."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="offers")
    owner_address = models.CharField(max_length=42)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["job", "agent"], name="one_offer_per_agent_and_job")]

    def __str__(self) -> str:
        return f"offer of {self.agent} on {self.job}"


class ProofState(models.TextChoices):
    NOT_CONFIGURED = "NOT_CONFIGURED"
    PENDING = "PENDING"
    PROVING = "PROVING"
    READY = "READY"
    FAILED = "FAILED"


class ProofRequest(models.Model):
    """The proof the backend asks the prover for once evaluate() is indexed."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="proof")
    state = models.CharField(max_length=16, choices=ProofState.choices, default=ProofState.PENDING)
    prover_reference = models.CharField(max_length=128, blank=True)
    error = models.TextField(blank=True)
    # Once READY: what complete()/reject() take (0x hex: the Groth16 (a, b, c) as 8 words, and
    # the circuit's public signals as words), and how long the prover took to make and verify it.
    proof = models.TextField(blank=True)
    public_inputs = models.TextField(blank=True)
    proving_ms = models.PositiveIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"proof of {self.job}: {self.state}"
