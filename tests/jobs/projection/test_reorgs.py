"""A reorg rolls the projection back: what is left equals indexing only the new branch."""

from __future__ import annotations

from typing import Any

import pytest

from apps.indexer.models import ChainCursor, IndexedBlock
from apps.jobs.models import Agent, Dispute, Job, JobEvent, Offer, ProofRequest, Snapshot, StakeLock
from tests.jobs.conftest import NO_EVALUATOR, PROVIDER_ID

pytestmark = pytest.mark.django_db


def projection() -> dict[str, Any]:
    """The projected rows, without database ids."""
    return {
        "agents": list(Agent.objects.order_by("agent_id").values(*[f.name for f in Agent._meta.concrete_fields][1:])),
        "jobs": list(
            Job.objects.order_by("job_id").values(
                "job_id",
                "status",
                "provider__agent_id",
                "evaluator__agent_id",
                "escrow_balance",
                "deliverable_hash",
                "passed",
                "platform_fee",
                "evaluator_fee",
                "provider_payment",
                "onchain_submitted_at",
                "onchain_settled_at",
                "budget",
                "onchain_created_at",
            )
        ),
        "events": list(
            JobEvent.objects.values_list("job_number", "name", "status_after", "block_number", "log_index", "args")
        ),
        "locks": sorted(StakeLock.objects.values_list("agent__agent_id", "job__job_id", "role", "amount", "active")),
        "disputes": list(Dispute.objects.values_list("dispute_id", "job__job_id", "resolved")),
        "snapshots": list(Snapshot.objects.values_list("job__job_id", "block_number", "reported_value")),
        "proofs": list(ProofRequest.objects.values_list("job__job_id", "state")),
        "offers": list(Offer.objects.values_list("job__job_id", "agent__agent_id", "status")),
    }


def reindex_from_scratch(index) -> dict[str, Any]:
    for model in (Offer, Job):
        model.objects.all().delete()
    Agent.objects.all().delete()
    IndexedBlock.objects.all().delete()
    ChainCursor.objects.all().delete()
    index()
    return projection()


def test_a_reorg_leaves_exactly_the_new_branchs_projection(chain, index, funded_job):
    index()
    Offer.objects.create(job=Job.objects.get(job_id=funded_job), agent=Agent.objects.get(agent_id=PROVIDER_ID))
    fork = chain.tester.take_snapshot()
    fork_block = chain.w3.eth.block_number

    # The old branch: the job is submitted and evaluated, a new agent and a second job appear.
    chain.submit(funded_job)
    chain.take_evaluation(funded_job)
    chain.send(chain.registry.functions.registerAgent(chain.stranger, "Late", 1, NO_EVALUATOR), chain.stranger)
    second = chain.create_job()
    chain.fund(second)
    chain.send(chain.staking.functions.withdraw(PROVIDER_ID, 10), chain.provider)
    index()
    assert Job.objects.get(job_id=funded_job).status == "SUBMITTED"
    assert ProofRequest.objects.filter(job__job_id=funded_job).exists()
    assert Agent.objects.count() == 6

    # The new branch, longer: the job stays FUNDED, another job is opened instead.
    chain.tester.revert_to_snapshot(fork)
    chain.create_job(lasts=7200)
    chain.send(chain.staking.functions.withdraw(PROVIDER_ID, 7), chain.provider)
    chain.w3.testing.mine(8)
    index()

    rolled = Job.objects.get(job_id=funded_job)
    assert (rolled.status, rolled.evaluator, rolled.deliverable_hash) == ("FUNDED", None, "")
    assert not JobEvent.objects.filter(block_number__gt=fork_block, job_number=funded_job).exists()
    assert not ProofRequest.objects.filter(job__job_id=funded_job).exists()
    assert Agent.objects.count() == 5
    assert Job.objects.get(job_id=2).onchain_deadline > rolled.onchain_deadline
    assert Offer.objects.get().status == "ACCEPTED"  # its ProviderSet is below the fork

    after_reorg = projection()
    assert reindex_from_scratch(index) == {**after_reorg, "offers": []}


def test_a_reorg_undoes_a_settlement_a_dispute_and_the_stake_they_moved(chain, index, evaluating_job):
    index()
    fork = chain.tester.take_snapshot()
    chain.send(chain.complete_call(evaluating_job), chain.evaluator)
    chain.send(chain.core.functions.dispute(evaluating_job, b"\x09" * 32), chain.client)
    chain.send(chain.core.functions.arbitrate(1, False), chain.arbiter)
    index()
    assert Job.objects.get(job_id=evaluating_job).status == "ARBITRATED"
    proof = ProofRequest.objects.get(job__job_id=evaluating_job)
    proof.state = "PROVING"  # the prover's progress is not the chain's to undo
    proof.save()

    chain.tester.revert_to_snapshot(fork)
    chain.send(chain.reject_call(evaluating_job), chain.evaluator)
    chain.w3.testing.mine(5)
    index()

    rejected = Job.objects.get(job_id=evaluating_job)
    assert (rejected.status, rejected.passed, rejected.platform_fee) == ("REJECTED", False, 0)
    assert not Dispute.objects.exists()
    assert ProofRequest.objects.get(job=rejected).state == "PROVING"
    after_reorg = projection()
    assert reindex_from_scratch(index) == {**after_reorg, "proofs": [(evaluating_job, "NOT_CONFIGURED")]}
