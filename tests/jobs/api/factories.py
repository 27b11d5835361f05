from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory
from eth_account import Account

from apps.indexer.models import ChainLog, IndexedBlock
from apps.jobs.models import (
    Agent,
    AgentSource,
    Dispute,
    Job,
    JobEvent,
    JobStatus,
    Offer,
    ProofRequest,
    Snapshot,
    StakeLock,
    StakeRole,
    StrategyType,
)

USDC = 10**6
T0 = datetime(2026, 4, 1, tzinfo=UTC)


def address(n: int) -> str:
    return Account.from_key((n + 1).to_bytes(32, "big")).address


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    agent_id = factory.Sequence(lambda n: 100 + n)
    owner_address = factory.Sequence(address)
    name = factory.Sequence(lambda n: f"Agent {n}")
    source = AgentSource.AACP
    reputation_score = 90
    total_jobs = 10
    completed_jobs = 9
    stake_available = Decimal(500 * USDC)
    stake_locked = Decimal(0)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    job_id = factory.Sequence(lambda n: 1000 + n)
    status = JobStatus.FUNDED
    strategy_type = StrategyType.PROGRAM
    client = factory.SubFactory(AgentFactory)
    provider = None
    evaluator = None
    budget = Decimal(100 * USDC)
    escrow_balance = Decimal(100 * USDC)
    onchain_created_at = 1_745_000_000
    onchain_deadline = 1_750_000_000


class IndexedBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndexedBlock

    number = factory.Sequence(lambda n: 12_340_000 + n)
    hash = factory.Sequence(lambda n: "0x" + f"{n:064x}")
    parent_hash = "0x" + "0" * 64
    timestamp = factory.Sequence(lambda n: 1_745_000_000 + 12 * n)


class JobEventFactory(factory.django.DjangoModelFactory):
    """A job event with the block and chain log it came from."""

    class Meta:
        model = JobEvent
        exclude = ("block",)

    job = factory.SubFactory(JobFactory)
    job_number = factory.SelfAttribute("job.job_id")
    name = "JobCreated"
    args = factory.LazyAttribute(lambda e: {"jobId": str(e.job_number)})
    status_after = JobStatus.OPEN
    block = factory.SubFactory(IndexedBlockFactory)
    block_number = factory.SelfAttribute("block.number")
    block_timestamp = factory.SelfAttribute("block.timestamp")
    tx_hash = factory.Sequence(lambda n: "0x" + f"{n + 1:064x}")
    log_index = 0
    chain_log = factory.LazyAttribute(
        lambda e: ChainLog.objects.create(
            block=e.block,
            block_number=e.block.number,
            tx_hash=e.tx_hash,
            log_index=e.log_index,
            address=address(999),
            topics=[],
            data="0x",
        )
    )


class StakeLockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeLock

    job = factory.SubFactory(JobFactory)
    agent = factory.SubFactory(AgentFactory)
    role = StakeRole.PROVIDER
    amount = Decimal(100 * USDC)
    locked_at = T0


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Snapshot

    job = factory.SubFactory(JobFactory, strategy_type=StrategyType.CEX_CAPITAL)
    reported_value = Decimal(1050 * USDC)
    snapshot_ts = T0
    tx_hash = factory.Sequence(lambda n: "0x" + f"{n + 7:064x}")
    block_number = factory.Sequence(lambda n: 12_345_678 + n)
    attestation = "0xabcd"
    balance_report = factory.LazyFunction(lambda: {"USDT": "1050.00"})


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    dispute_id = factory.Sequence(lambda n: 1 + n)
    job = factory.SubFactory(JobFactory, status=JobStatus.DISPUTED)
    opener = factory.SelfAttribute("job.client")
    opened_by = factory.SelfAttribute("opener.owner_address")
    from_status = JobStatus.REJECTED
    reason_hash = "0x" + "12" * 32
    collateral = Decimal(10 * USDC)
    opened_at = T0


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    job = factory.SubFactory(JobFactory, status=JobStatus.OPEN)
    agent = factory.SubFactory(AgentFactory)
    owner_address = factory.SelfAttribute("agent.owner_address")
    created_at = T0


class ProofRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProofRequest

    job = factory.SubFactory(JobFactory)
