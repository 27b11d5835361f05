"""Output shapes of the agent-jobs API (seeds 001-002), field by field as the seeds spell them.

Raw token amounts are decimal strings, on-chain times unix-second strings, block numbers
strings; other times ISO-8601 UTC with a `Z`.

The job list and detail are written by apps/jobs/presenters.py from SQL rows (the hot reads);
`JobSummarySerializer` and `JobDetailSerializer` stay as their schema, and
tests/jobs/api/test_presenters.py holds the two to the same output."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.fields import IsoZDateTimeField, StrictBooleanField, StrictCharField, StrictIntegerField, schema_field
from apps.core.pagination import PaginationSerializer
from apps.jobs.models import AgentSource, JobStatus, OfferStatus, ProofState, StakeRole, StrategyType
from apps.jobs.selectors import lifecycle_of


class ContractsSerializer(serializers.Serializer):
    ACPCore = StrictCharField()
    MockUSDC = StrictCharField()
    AgentRegistry = StrictCharField()
    Staking = StrictCharField()
    Reputation = StrictCharField()


class ChainConfigSerializer(serializers.Serializer):
    chainId = StrictIntegerField()
    rpcUrl = StrictCharField()
    contracts = ContractsSerializer()
    usdcDecimals = StrictIntegerField()
    minProviderStake = StrictCharField(help_text="raw USDC units")
    minReputation = StrictIntegerField()


class ConfigEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = ChainConfigSerializer()


# Scalars as the seeds render them.


@extend_schema_field({"type": "string", "pattern": "^[0-9]+$"})
class DecimalStringField(serializers.Field):
    """A uint256 (raw token amount, id, block number, unix seconds) as a decimal string.

    `str(int(...))` and not `str(Decimal)`: a NUMERIC read back can print as `1E+8`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: int | Decimal) -> str:
        return str(int(value))


@extend_schema_field({"type": "string", "pattern": "^[0-9]+$", "nullable": True})
class NullableDecimalStringField(DecimalStringField):
    """The same, for a value the chain has not produced yet (rendered null)."""


@extend_schema_field({"type": "string", "nullable": True})
class BlankAsNullField(StrictCharField):
    """A text column where empty means "not yet": rendered as null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


def enum_string(values: list[str], *, inline: bool = False, **kwargs: Any) -> serializers.Field:
    """A read-only string from a fixed set. `inline` documents the set in the description instead
    of as an enum: every `status` enum would collide with the other apps' `status` enums."""
    if inline:
        schema: dict[str, Any] = {"type": "string", "description": "one of " + ", ".join(values)}
    else:
        schema = {"type": "string", "enum": list(values)}
    return schema_field(StrictCharField, schema, read_only=True, **kwargs)


# Agents


class ReputationSerializer(serializers.Serializer):
    score = StrictIntegerField(source="reputation_score")
    totalJobs = StrictIntegerField(source="total_jobs")
    completedJobs = StrictIntegerField(source="completed_jobs")


class StakingPoolSerializer(serializers.Serializer):
    available = DecimalStringField(source="stake_available")
    locked = DecimalStringField(source="stake_locked")


class PartyAgentSerializer(serializers.Serializer):
    """The client or provider of a job."""

    agentId = DecimalStringField(source="agent_id")
    ownerAddress = StrictCharField(source="owner_address")
    name = StrictCharField()
    source = enum_string(AgentSource.values)
    reputation = ReputationSerializer(source="*")
    stakingPool = StakingPoolSerializer(source="*")


class EvaluatorCapabilitySerializer(serializers.Serializer):
    strategyType = enum_string(StrategyType.values, source="evaluator_strategy_type")


class EvaluatorAgentSerializer(serializers.Serializer):
    agentId = DecimalStringField(source="agent_id")
    ownerAddress = StrictCharField(source="owner_address")
    source = enum_string(AgentSource.values)
    reputation = ReputationSerializer(source="*")
    evaluatorCapability = serializers.SerializerMethodField()

    @extend_schema_field(EvaluatorCapabilitySerializer(allow_null=True))
    def get_evaluatorCapability(self, agent: Any) -> dict[str, str] | None:
        if not agent.evaluator_strategy_type:
            return None
        return {"strategyType": agent.evaluator_strategy_type}


# The parts of a job


class StakeLockSerializer(serializers.Serializer):
    agentId = DecimalStringField(source="agent.agent_id")
    role = enum_string(StakeRole.values)
    amount = DecimalStringField()
    active = StrictBooleanField()
    lockedAt = IsoZDateTimeField(source="locked_at")
    releasedAt = IsoZDateTimeField(source="released_at", allow_null=True)


class CexConfigSerializer(serializers.Serializer):
    stopLossBps = StrictIntegerField(source="stop_loss_bps", allow_null=True)
    targetReturnBps = StrictIntegerField(source="target_return_bps", allow_null=True)


class SnapshotSerializer(serializers.Serializer):
    reportedValue = DecimalStringField(source="reported_value")
    snapshotTs = IsoZDateTimeField(source="snapshot_ts")
    txHash = StrictCharField(source="tx_hash")
    blockNumber = DecimalStringField(source="block_number")


class SnapshotDetailSerializer(SnapshotSerializer):
    balanceReport = serializers.JSONField(source="balance_report", allow_null=True)
    attestation = BlankAsNullField()


class DisputeSerializer(serializers.Serializer):
    disputeId = DecimalStringField(source="dispute_id")
    jobId = DecimalStringField(source="job.job_id")
    status = serializers.SerializerMethodField()
    openedBy = StrictCharField(source="opened_by")
    openerId = DecimalStringField(source="opener.agent_id")
    fromStatus = enum_string(JobStatus.values, source="from_status")
    reasonHash = StrictCharField(source="reason_hash")
    collateral = DecimalStringField()
    providerWins = StrictBooleanField(source="provider_wins", allow_null=True)
    openedAt = IsoZDateTimeField(source="opened_at")
    resolvedAt = IsoZDateTimeField(source="resolved_at", allow_null=True)

    @extend_schema_field({"type": "string", "description": "OPEN or RESOLVED"})
    def get_status(self, dispute: Any) -> str:
        return "RESOLVED" if dispute.resolved else "OPEN"


class OfferSerializer(serializers.Serializer):
    agentId = DecimalStringField(source="agent.agent_id")
    ownerAddress = StrictCharField(source="owner_address")
    status = enum_string(OfferStatus.values, inline=True)
    createdAt = IsoZDateTimeField(source="created_at")


class ChainRefSerializer(serializers.Serializer):
    txHash = StrictCharField()
    blockNumber = StrictCharField()


class LifecycleSerializer(serializers.Serializer):
    created = ChainRefSerializer(allow_null=True)
    submitted = ChainRefSerializer(allow_null=True)
    settled = ChainRefSerializer(allow_null=True)
    disputed = ChainRefSerializer(allow_null=True)


class ProofSerializer(serializers.Serializer):
    state = enum_string(ProofState.values)


class OnChainProofSerializer(serializers.Serializer):
    verified = StrictBooleanField(help_text="always true: complete()/reject() only log a proof they verified")
    passed = StrictBooleanField()
    blockNumber = DecimalStringField(source="block_number")
    txHash = StrictCharField(source="tx_hash")


class ProofDetailSerializer(serializers.Serializer):
    """The detail's proof (apps/jobs/presenters.py's present_proof)."""

    state = enum_string(ProofState.values, allow_null=True)
    provingMs = StrictIntegerField(source="proving_ms", allow_null=True, help_text="the prover's time in ms")
    error = StrictCharField(allow_null=True)
    zkProof = StrictCharField(source="zk_proof", allow_null=True, help_text="0x hex: the Groth16 (a, b, c) as 8 words")
    publicInputs = StrictCharField(source="public_inputs", allow_null=True, help_text="0x hex: the public signals")
    onChain = OnChainProofSerializer(source="on_chain", allow_null=True, help_text="null until settled on the chain")


class JobEventSerializer(serializers.Serializer):
    name = StrictCharField()
    status = BlankAsNullField(source="status_after")
    args = serializers.JSONField()
    txHash = StrictCharField(source="tx_hash")
    blockNumber = DecimalStringField(source="block_number")
    blockTimestamp = DecimalStringField(source="block_timestamp")
    logIndex = StrictIntegerField(source="log_index")


class JobSummarySerializer(serializers.Serializer):
    """A job in a list: everything but its stake locks, snapshots, dispute and offers."""

    jobId = DecimalStringField(source="job_id")
    status = enum_string(JobStatus.values, inline=True)
    strategyType = enum_string(StrategyType.values, source="strategy_type")
    clientId = DecimalStringField(source="client.agent_id")
    providerId = NullableDecimalStringField(source="provider.agent_id", allow_null=True)
    evaluatorId = NullableDecimalStringField(source="evaluator.agent_id", allow_null=True)
    budget = DecimalStringField()
    escrowBalance = DecimalStringField(source="escrow_balance")
    deliverableHash = BlankAsNullField(source="deliverable_hash")
    passed = StrictBooleanField(allow_null=True)
    platformFee = NullableDecimalStringField(source="platform_fee")
    evaluatorFee = NullableDecimalStringField(source="evaluator_fee")
    providerPayment = NullableDecimalStringField(source="provider_payment")
    onchainCreatedAt = DecimalStringField(source="onchain_created_at")
    onchainDeadline = DecimalStringField(source="onchain_deadline")
    onchainSubmittedAt = NullableDecimalStringField(source="onchain_submitted_at")
    onchainSettledAt = NullableDecimalStringField(source="onchain_settled_at")
    client = PartyAgentSerializer()
    provider = PartyAgentSerializer(allow_null=True)
    evaluator = EvaluatorAgentSerializer(allow_null=True)
    cexConfig = CexConfigSerializer(source="*", required=False, help_text="present for CEX_CAPITAL jobs only")
    lifecycle = serializers.SerializerMethodField()
    proof = serializers.SerializerMethodField()

    @extend_schema_field(LifecycleSerializer)
    def get_lifecycle(self, job: Any) -> dict[str, dict[str, str] | None]:
        return lifecycle_of(job.lifecycle_events)

    @extend_schema_field(ProofSerializer(allow_null=True, help_text="null until a proof is requested"))
    def get_proof(self, job: Any) -> dict[str, str] | None:
        request = getattr(job, "proof", None)
        return {"state": request.state} if request is not None else None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.strategy_type != StrategyType.CEX_CAPITAL:
            del data["cexConfig"]  # the seed: "only present for CEX_CAPITAL jobs"
        return data


class JobDetailSerializer(JobSummarySerializer):
    stakeLocks = StakeLockSerializer(source="stake_locks.all", many=True)
    snapshots = SnapshotSerializer(source="snapshots.all", many=True)
    dispute = serializers.SerializerMethodField()
    offers = OfferSerializer(source="offers.all", many=True)

    @extend_schema_field(DisputeSerializer(allow_null=True))
    def get_dispute(self, job: Any) -> dict[str, Any] | None:
        dispute = getattr(job, "dispute", None)
        return DisputeSerializer(dispute).data if dispute is not None else None

    @extend_schema_field(ProofDetailSerializer(allow_null=True, help_text="null until a proof is requested"))
    def get_proof(self, job: Any) -> dict[str, Any] | None:
        request = getattr(job, "proof", None)
        event = job.events.filter(name="ProofRecorded").order_by("-block_number", "-log_index").first()
        if request is None and event is None:
            return None
        recorded = event.args if event is not None else {}
        proof = {
            "state": None,
            "proving_ms": None,
            "error": None,
            "zk_proof": recorded.get("zkProof"),
            "public_inputs": recorded.get("publicInputs"),
            "on_chain": None,
        }
        if request is not None:
            proof.update(state=request.state, proving_ms=request.proving_ms, error=request.error or None)
            proof["zk_proof"] = proof["zk_proof"] or request.proof or None
            proof["public_inputs"] = proof["public_inputs"] or request.public_inputs or None
        if event is not None:
            proof["on_chain"] = {
                "verified": True,
                "passed": bool(recorded["passed"]),
                "block_number": event.block_number,
                "tx_hash": event.tx_hash,
            }
        return ProofDetailSerializer(proof).data


# Envelopes


class JobEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = JobDetailSerializer()


class DisputeEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = DisputeSerializer()


class OptionalDisputeEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = DisputeSerializer(allow_null=True)


class OfferListEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = OfferSerializer(many=True)


class OfferEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = OfferSerializer()


class WithdrawnOfferSerializer(serializers.Serializer):
    agentId = StrictCharField()
    status = enum_string([OfferStatus.WITHDRAWN.value], inline=True)


class WithdrawnOfferEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = WithdrawnOfferSerializer()


class JobListEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = JobSummarySerializer(many=True)
    pagination = PaginationSerializer()


class JobEventListEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = JobEventSerializer(many=True)
    pagination = PaginationSerializer()


class SnapshotListEnvelopeSerializer(serializers.Serializer):
    success = StrictBooleanField()
    data = SnapshotDetailSerializer(many=True)
    pagination = PaginationSerializer()
