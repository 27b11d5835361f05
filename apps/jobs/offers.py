"""Provider offers (seed 002): made and withdrawn off-chain over the API with a wallet signature.

The rules raise `ApiError`s with stable codes, which the views let through to the envelope:

- 404 JOB_NOT_FOUND / AGENT_NOT_FOUND / OFFER_NOT_FOUND
- 409 JOB_NOT_OPEN (the job is past FUNDED) / OFFER_NOT_PENDING (withdrawing a settled offer)
- 403 SIGNER_NOT_OWNER (the wallet that signed is not `ownerAddress`), NOT_AGENT_OWNER (the chain
  says someone else holds the agent NFT), REPUTATION_TOO_LOW, STAKE_TOO_LOW, NOT_OFFER_OWNER
- 503 CHAIN_UNAVAILABLE (the registry could not be read)
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApiError
from apps.jobs.chain import ownership
from apps.jobs.models import Agent, Job, JobStatus, Offer, OfferStatus

# What the offers API asks of a provider (seed 002): 100 USDC available stake, score 70.
MIN_PROVIDER_STAKE = 100 * 10**6
MIN_REPUTATION = 70
OFFERABLE_STATUSES = (JobStatus.OPEN, JobStatus.FUNDED)


def _same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _check_offer_rules(*, job: Job, agent_id: int, owner_address: str, signer: str) -> Agent:
    if job.status not in OFFERABLE_STATUSES:
        raise ApiError(
            status=409, code="JOB_NOT_OPEN", message=f"Job {job.job_id} is {job.status}; offers need OPEN or FUNDED."
        )
    if not _same_address(signer, owner_address):
        raise ApiError(status=403, code="SIGNER_NOT_OWNER", message="The signing wallet must be ownerAddress.")
    agent = Agent.objects.filter(agent_id=agent_id).first()
    if agent is None:
        raise ApiError(status=404, code="AGENT_NOT_FOUND", message=f"Agent {agent_id} does not exist.")
    try:
        holder = ownership.current_owner(agent_id)
    except ownership.OwnershipUnavailable as exc:
        raise ApiError(
            status=503, code="CHAIN_UNAVAILABLE", message="The agent registry cannot be read right now."
        ) from exc
    if holder is None or not _same_address(holder, owner_address):
        raise ApiError(
            status=403, code="NOT_AGENT_OWNER", message=f"{owner_address} does not hold agent {agent_id} on chain."
        )
    if agent.reputation_score < MIN_REPUTATION:
        raise ApiError(
            status=403,
            code="REPUTATION_TOO_LOW",
            message=f"Agent {agent_id} has reputation {agent.reputation_score}; offers need {MIN_REPUTATION}.",
        )
    if agent.stake_available < MIN_PROVIDER_STAKE:
        raise ApiError(
            status=403,
            code="STAKE_TOO_LOW",
            message=f"Agent {agent_id} has {int(agent.stake_available)} available stake; offers need "
            f"{MIN_PROVIDER_STAKE}.",
        )
    return agent


def submit_offer(*, job: Job, agent_id: int, owner_address: str, signer: str) -> tuple[Offer, bool]:
    """The agent's offer for the job and whether this call made it.

    Idempotent: an offer already standing is returned as it is (created=False). A withdrawn
    offer made again is reopened (PENDING, created now), which counts as made by this call.
    The chain read happens before the transaction so no row lock waits on the node."""
    agent = _check_offer_rules(job=job, agent_id=agent_id, owner_address=owner_address, signer=signer)
    owner = signer  # checksummed, and the rules checked it is the on-chain holder
    with transaction.atomic():
        # The unique (job, agent) constraint is what keeps two concurrent submissions to one row.
        offer, created = Offer.objects.select_for_update().get_or_create(
            job=job, agent=agent, defaults={"owner_address": owner}
        )
        if not created and offer.status == OfferStatus.WITHDRAWN:
            offer.status = OfferStatus.PENDING
            offer.owner_address = owner
            offer.created_at = timezone.now()
            offer.full_clean()
            offer.save(update_fields=["status", "owner_address", "created_at", "updated_at"])
            created = True
    return offer, created


@transaction.atomic
def withdraw_offer(*, job: Job, agent_id: int, owner_address: str, signer: str) -> Offer:
    """Withdraw the agent's PENDING offer; only the wallet that made it may."""
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("agent")
        .filter(job=job, agent__agent_id=agent_id)
        .first()
    )
    if offer is None:
        raise ApiError(
            status=404, code="OFFER_NOT_FOUND", message=f"Agent {agent_id} has no offer on job {job.job_id}."
        )
    if not _same_address(signer, owner_address) or not _same_address(signer, offer.owner_address):
        raise ApiError(
            status=403, code="NOT_OFFER_OWNER", message="Only the wallet that made the offer can withdraw it."
        )
    if offer.status != OfferStatus.PENDING:
        raise ApiError(
            status=409, code="OFFER_NOT_PENDING", message=f"The offer is {offer.status}; only PENDING offers can go."
        )
    offer.status = OfferStatus.WITHDRAWN
    offer.save(update_fields=["status", "updated_at"])
    return offer
