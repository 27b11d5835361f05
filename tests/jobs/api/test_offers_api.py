"""POST and DELETE /api/v1/jobs/{jobId}/offers (seed 002), with the agent NFT's holder read from a
real eth-tester chain that has the contracts deployed (tests/jobs/conftest.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.jobs.chain import ownership
from apps.jobs.models import ContractDeployment, JobStatus, Offer, OfferStatus
from tests.jobs.api.conftest import JOB_ID, account_of, signed, signed_call
from tests.jobs.api.factories import USDC, AgentFactory, OfferFactory
from tests.jobs.conftest import POOR_PROVIDER_ID, PROVIDER_ID

pytestmark = pytest.mark.django_db


def offer(api, account, *, agent_id=PROVIDER_ID, owner=None, job_id=JOB_ID):
    body = {"agentId": str(agent_id), "ownerAddress": owner or account.address}
    return api.post(f"/api/v1/jobs/{job_id}/offers", body, format="json", **signed(account, job_id))


def withdraw(api, account, *, agent_id=PROVIDER_ID, owner=None):
    url = f"/api/v1/jobs/{JOB_ID}/offers/{agent_id}"
    return signed_call(api, account, "DELETE", url, {"ownerAddress": owner or account.address})


def error_code(response, status):
    assert response.status_code == status, response.content
    assert response.json()["success"] is False
    return response.json()["error"]["code"]


def test_it_records_an_offer_once_and_returns_it_again(api, onchain, provider, job):
    wallet = account_of(onchain, onchain.provider)

    first = offer(api, wallet)
    again = offer(api, wallet)

    assert first.status_code == 201
    assert first.json()["success"] is True
    assert first.json()["data"]["agentId"] == "2"
    assert first.json()["data"]["ownerAddress"] == onchain.provider
    assert first.json()["data"]["status"] == "PENDING"
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Offer.objects.count() == 1


def test_it_accepts_offers_on_funded_jobs_too(api, onchain, provider, job):
    job.status = JobStatus.FUNDED
    job.save()
    assert offer(api, account_of(onchain, onchain.provider)).status_code == 201


@pytest.mark.parametrize("status", [JobStatus.SUBMITTED, JobStatus.COMPLETED, JobStatus.DISPUTED])
def test_it_refuses_offers_once_the_job_is_past_funded(api, onchain, provider, job, status):
    job.status = status
    job.save()
    assert error_code(offer(api, account_of(onchain, onchain.provider)), 409) == "JOB_NOT_OPEN"


def test_the_signer_must_be_the_owner_address(api, onchain, provider, job):
    stranger = account_of(onchain, onchain.stranger)
    assert error_code(offer(api, stranger, owner=onchain.provider), 403) == "SIGNER_NOT_OWNER"


def test_it_trusts_the_chain_not_the_database_for_the_owner(api, onchain, provider, job):
    # The database still names the provider, but the NFT has moved to the stranger on chain.
    onchain.send(
        onchain.registry.functions.transferFrom(onchain.provider, onchain.stranger, PROVIDER_ID), onchain.provider
    )

    refused = offer(api, account_of(onchain, onchain.provider))
    accepted = offer(api, account_of(onchain, onchain.stranger))

    assert error_code(refused, 403) == "NOT_AGENT_OWNER"
    assert accepted.status_code == 201
    assert accepted.json()["data"]["ownerAddress"] == onchain.stranger


def test_an_agent_unknown_to_the_chain_has_no_owner(onchain):
    assert ownership.current_owner(PROVIDER_ID) == onchain.provider
    assert ownership.current_owner(999) is None


def test_it_refuses_an_agent_it_does_not_know(api, onchain, job):
    assert error_code(offer(api, account_of(onchain, onchain.provider), agent_id=999), 404) == "AGENT_NOT_FOUND"


def test_it_refuses_a_reputation_below_70(api, onchain, provider, job):
    provider.reputation_score = 69
    provider.save()
    assert error_code(offer(api, account_of(onchain, onchain.provider)), 403) == "REPUTATION_TOO_LOW"


def test_it_refuses_less_than_100_usdc_of_available_stake(api, onchain, job):
    AgentFactory(
        agent_id=POOR_PROVIDER_ID,
        owner_address=onchain.poor_provider,
        reputation_score=90,
        stake_available=Decimal(50 * USDC),
    )
    poor = account_of(onchain, onchain.poor_provider)
    assert error_code(offer(api, poor, agent_id=POOR_PROVIDER_ID), 403) == "STAKE_TOO_LOW"


@pytest.mark.parametrize(("agent_id", "owner"), [("abc", None), ("-2", None), ("2", "0x123"), ("2", "not an address")])
def test_a_malformed_body_is_a_400(api, onchain, provider, job, agent_id, owner):
    wallet = account_of(onchain, onchain.provider)
    body = {"agentId": agent_id, "ownerAddress": owner or wallet.address}
    response = api.post(f"/api/v1/jobs/{JOB_ID}/offers", body, format="json", **signed(wallet))
    assert error_code(response, 400) == "VALIDATION_ERROR"


def test_an_unsigned_offer_is_a_401(api, provider, job):
    body = {"agentId": "2", "ownerAddress": provider.owner_address}
    assert error_code(api.post(f"/api/v1/jobs/{JOB_ID}/offers", body, format="json"), 401) == "WALLET_AUTH_MISSING"


def test_an_offer_on_an_unknown_job_is_a_404(api, onchain, provider):
    assert error_code(offer(api, account_of(onchain, onchain.provider), job_id=5), 404) == "JOB_NOT_FOUND"


def test_it_answers_503_when_the_registry_is_not_deployed(api, onchain, provider, job):
    ContractDeployment.objects.all().delete()
    assert error_code(offer(api, account_of(onchain, onchain.provider)), 503) == "CHAIN_UNAVAILABLE"


def test_the_submitter_can_withdraw_a_pending_offer(api, onchain, provider, job):
    wallet = account_of(onchain, onchain.provider)
    offer(api, wallet)

    response = withdraw(api, wallet)

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"agentId": "2", "status": "WITHDRAWN"}}
    assert Offer.objects.get().status == OfferStatus.WITHDRAWN


def test_an_offer_made_again_after_withdrawing_is_pending_again(api, onchain, provider, job):
    wallet = account_of(onchain, onchain.provider)
    offer(api, wallet)
    withdraw(api, wallet)
    again = offer(api, wallet)
    assert again.status_code == 201
    assert again.json()["data"]["status"] == "PENDING"


def test_only_the_submitter_can_withdraw(api, onchain, provider, job):
    OfferFactory(job=job, agent=provider, owner_address=onchain.provider)
    stranger = account_of(onchain, onchain.stranger)
    assert error_code(withdraw(api, stranger), 403) == "NOT_OFFER_OWNER"
    assert error_code(withdraw(api, stranger, owner=onchain.provider), 403) == "NOT_OFFER_OWNER"


def test_only_a_pending_offer_can_be_withdrawn(api, onchain, provider, job):
    OfferFactory(job=job, agent=provider, owner_address=onchain.provider, status=OfferStatus.ACCEPTED)
    assert error_code(withdraw(api, account_of(onchain, onchain.provider)), 409) == "OFFER_NOT_PENDING"


def test_withdrawing_an_unknown_offer_is_a_404(api, onchain, provider, job):
    assert error_code(withdraw(api, account_of(onchain, onchain.provider)), 404) == "OFFER_NOT_FOUND"


@pytest.mark.parametrize(("agent_id", "owner"), [("x", None), ("2", "0xnope")])
def test_a_malformed_withdrawal_is_a_400(api, onchain, provider, job, agent_id, owner):
    wallet = account_of(onchain, onchain.provider)
    assert error_code(withdraw(api, wallet, agent_id=agent_id, owner=owner), 400) == "VALIDATION_ERROR"
