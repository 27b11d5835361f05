"""Issue 8, item 11: resending a wallet-signed offer write with the same headers and body answers
the first answer and changes nothing; the same signature on another request is still refused."""

from __future__ import annotations

import pytest

from apps.jobs.models import Offer, OfferStatus
from tests.jobs.api.conftest import JOB_ID, account_of, signed
from tests.jobs.conftest import POOR_PROVIDER_ID, PROVIDER_ID

pytestmark = pytest.mark.django_db

OFFERS = f"/api/v1/jobs/{JOB_ID}/offers"


@pytest.fixture
def wallet(onchain, provider, job):
    return account_of(onchain, onchain.provider)


def submit(api, headers, owner, agent_id=PROVIDER_ID):
    return api.post(OFFERS, {"agentId": str(agent_id), "ownerAddress": owner}, format="json", **headers)


def withdraw(api, headers, owner):
    return api.delete(f"{OFFERS}/{PROVIDER_ID}", {"ownerAddress": owner}, format="json", **headers)


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
    assert withdraw(api, signed(wallet), wallet.address).status_code == 200

    resent = submit(api, headers, wallet.address)

    assert resent.json()["data"]["status"] == "PENDING"  # the first answer, as it was
    assert Offer.objects.get().status == OfferStatus.WITHDRAWN  # not reopened by the replay


def test_the_offer_signature_on_another_body_is_refused_and_changes_nothing(api, wallet):
    headers = signed(wallet)
    submit(api, headers, wallet.address)
    other_body = submit(api, headers, wallet.address, agent_id=POOR_PROVIDER_ID)
    assert refused_code(other_body, 401) == "WALLET_SIGNATURE_REPLAYED"
    assert Offer.objects.count() == 1


def test_the_offer_signature_cannot_withdraw(api, wallet):
    headers = signed(wallet)
    submit(api, headers, wallet.address)
    assert refused_code(withdraw(api, headers, wallet.address), 401) == "WALLET_SIGNATURE_REPLAYED"
    assert Offer.objects.get().status == OfferStatus.PENDING


def test_a_resent_withdrawal_answers_the_first_answer(api, wallet):
    submit(api, signed(wallet), wallet.address)
    headers = signed(wallet)
    first = withdraw(api, headers, wallet.address)

    again = withdraw(api, headers, wallet.address)

    assert first.json() == {"success": True, "data": {"agentId": "2", "status": "WITHDRAWN"}}
    assert (again.status_code, again.json()) == (200, first.json())  # not 409 OFFER_NOT_PENDING


def test_a_refused_offer_leaves_its_signature_for_the_corrected_one(api, wallet, onchain):
    headers = signed(wallet)
    assert refused_code(submit(api, headers, onchain.stranger), 403) == "SIGNER_NOT_OWNER"
    assert submit(api, headers, wallet.address).status_code == 201
    assert Offer.objects.get().owner_address == wallet.address
