"""Issue 8, item 11: resending a wallet-signed offer write with the same headers and body answers
the first answer and changes nothing; the same signature on another request is still refused.
Issue 9, item 11: a signature names its method, path and body, so it authorises nothing else."""

from __future__ import annotations

import pytest

from apps.jobs.models import Offer, OfferStatus
from tests.core.wallet_signing import json_bytes, wallet_headers
from tests.jobs.api.conftest import JOB_ID, account_of, signed
from tests.jobs.conftest import POOR_PROVIDER_ID, PROVIDER_ID

pytestmark = pytest.mark.django_db

OFFERS = f"/api/v1/jobs/{JOB_ID}/offers"


@pytest.fixture
def wallet(onchain, provider, job):
    return account_of(onchain, onchain.provider)


def submit(api, headers, owner, agent_id=PROVIDER_ID):
    return api.post(OFFERS, {"agentId": str(agent_id), "ownerAddress": owner}, format="json", **headers)


def withdraw(api, headers, owner, agent_id=PROVIDER_ID):
    raw = json_bytes({"ownerAddress": owner})
    return api.delete(f"{OFFERS}/{agent_id}", raw, content_type="application/json", **headers)


def withdrawal_headers(wallet, agent_id=PROVIDER_ID, **kwargs):
    """Signed as a client signs a withdrawal: the bound message of DELETE on that offer."""
    path = f"{OFFERS}/{agent_id}"
    raw = json_bytes({"ownerAddress": wallet.address})
    return wallet_headers(wallet, scope="offers", job_id=str(JOB_ID), method="DELETE", path=path, body=raw, **kwargs)


def submission_headers(wallet, agent_id=PROVIDER_ID):
    raw = json_bytes({"agentId": str(agent_id), "ownerAddress": wallet.address})
    return wallet_headers(wallet, scope="offers", job_id=str(JOB_ID), method="POST", path=OFFERS, body=raw)


def submit_raw(api, headers, owner, agent_id=PROVIDER_ID):
    raw = json_bytes({"agentId": str(agent_id), "ownerAddress": owner})
    return api.post(OFFERS, raw, content_type="application/json", **headers)


def refused_code(response, status):
    assert response.status_code == status, response.content
    assert response.json()["success"] is False
    return response.json()["error"]["code"]


def test_a_resent_offer_answers_the_first_answer(api, wallet):
    headers = signed(wallet)
    first = submit(api, headers, wallet.address)
    again = submit(api, headers, wallet.address)
    assert first.status_code == 201
    assert (again.status_code, again.json()) == (201, first.json())
    assert Offer.objects.count() == 1


def test_a_resent_offer_changes_nothing_even_after_a_withdrawal(api, wallet):
    headers = signed(wallet)
    submit(api, headers, wallet.address)
    assert withdraw(api, withdrawal_headers(wallet), wallet.address).status_code == 200

    resent = submit(api, headers, wallet.address)

    assert resent.json()["data"]["status"] == "PENDING"  # the first answer, as it was
    assert Offer.objects.get().status == OfferStatus.WITHDRAWN  # not reopened by the replay


def test_the_offer_signature_on_another_body_is_refused_and_changes_nothing(api, wallet):
    headers = signed(wallet)
    submit(api, headers, wallet.address)
    other_body = submit(api, headers, wallet.address, agent_id=POOR_PROVIDER_ID)
    assert refused_code(other_body, 401) == "WALLET_SIGNATURE_REPLAYED"
    assert Offer.objects.count() == 1


def test_the_seed_offer_message_cannot_withdraw_even_unused(api, wallet):
    submit(api, signed(wallet), wallet.address)
    response = withdraw(api, signed(wallet), wallet.address)
    assert refused_code(response, 401) == "WALLET_MESSAGE_UNBOUND"
    assert "DELETE /api/v1/jobs/41/offers/2" in response.json()["error"]["message"]
    assert Offer.objects.get().status == OfferStatus.PENDING


def test_a_signed_submission_cannot_withdraw(api, wallet):
    headers = submission_headers(wallet)
    assert submit_raw(api, headers, wallet.address).status_code == 201
    assert refused_code(withdraw(api, headers, wallet.address), 401) == "WALLET_SIGNATURE_INVALID"
    assert Offer.objects.get().status == OfferStatus.PENDING


def test_a_signed_submission_covers_its_own_body_only_even_unused(api, wallet):
    headers = submission_headers(wallet)
    other_agent = submit_raw(api, headers, wallet.address, agent_id=POOR_PROVIDER_ID)
    assert refused_code(other_agent, 401) == "WALLET_SIGNATURE_INVALID"
    assert submit_raw(api, headers, wallet.address).status_code == 201


def test_a_withdrawal_signed_for_one_agent_cannot_withdraw_another(api, wallet):
    submit(api, signed(wallet), wallet.address)
    headers = withdrawal_headers(wallet, agent_id=POOR_PROVIDER_ID)
    assert refused_code(withdraw(api, headers, wallet.address), 401) == "WALLET_SIGNATURE_INVALID"
    assert Offer.objects.get().status == OfferStatus.PENDING


def test_the_signed_body_is_the_exact_bytes(api, wallet):
    submit(api, signed(wallet), wallet.address)
    headers = withdrawal_headers(wallet)
    spaced = json_bytes({"ownerAddress": wallet.address}).replace(b":", b": ", 1) + b" "
    response = api.delete(f"{OFFERS}/{PROVIDER_ID}", spaced, content_type="application/json", **headers)
    assert refused_code(response, 401) == "WALLET_SIGNATURE_INVALID"


def test_a_resent_withdrawal_answers_the_first_answer(api, wallet):
    submit(api, signed(wallet), wallet.address)
    headers = withdrawal_headers(wallet)
    first = withdraw(api, headers, wallet.address)

    again = withdraw(api, headers, wallet.address)

    assert first.json() == {"success": True, "data": {"agentId": "2", "status": "WITHDRAWN"}}
    assert (again.status_code, again.json()) == (200, first.json())  # not 409 OFFER_NOT_PENDING


def test_a_refused_offer_leaves_its_signature_for_the_corrected_one(api, wallet, onchain):
    headers = signed(wallet)
    assert refused_code(submit(api, headers, onchain.stranger), 403) == "SIGNER_NOT_OWNER"
    assert submit(api, headers, wallet.address).status_code == 201
    assert Offer.objects.get().owner_address == wallet.address
