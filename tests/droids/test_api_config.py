"""PATCH /api/droids/{id}/config: partial changes with creation's rules, checked against the
droid's stored values, answering the whole configuration; a closed droid is a 409."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.droids import services
from apps.droids.models import DroidActive
from tests.droids.conftest import assert_error, body
from tests.droids.factories import DroidFactory

pytestmark = pytest.mark.django_db

SEED_PATCH = {
    "fallingRebalanceTrigger": Decimal("0.03"),
    "risingRebalanceTrigger": Decimal("0.06"),
    "maxBots": 8,
    "maxPrice": Decimal("4500.00"),
    "minPrice": Decimal("2000.00"),
    "maxGasPrice": 60,
    "txPriority": 2,
    "fundingUSD": 75000,
    "derivativeThreshold": Decimal("0.01"),
    "ladderPercMargin": Decimal("0.02"),
}


@pytest.fixture
def chain_reads(monkeypatch):
    """The wallet's value on the chain, and each time it was read. Read for real on anvil in
    test_funding.py; here a wallet of known value, so these tests need no node."""
    reads = []

    def value(account, pool):
        reads.append(account.id)
        return Decimal("100000")

    monkeypatch.setattr(services, "account_value_usd", value)
    return reads


@pytest.fixture
def droid(operator):
    return DroidFactory(owner=operator.user)


def patch(client, droid, changes):
    return client.patch(f"/api/droids/{droid.id}/config", changes)


def test_the_seeds_change_answers_the_whole_configuration(operator, droid, chain_reads):
    response = patch(operator, droid, SEED_PATCH)

    assert response.status_code == 200, response.content
    answer = body(response)
    assert answer == {
        "id": droid.id,
        **SEED_PATCH,
        "triggerType": "EMA",
        "tickBuckets": 10,
        "bucketOffset": 0,
        "fundingCurveType": "LINEAR",
        "gasBudgetLimit": None,
    }
    droid.refresh_from_db()
    assert (droid.max_bots, droid.max_price, droid.min_price, droid.funding_usd, droid.tx_priority) == (
        8,
        Decimal(4500),
        Decimal(2000),
        Decimal(75000),
        2,
    )
    assert chain_reads == [droid.account_id]  # the funding went up: checked against the wallet


def test_a_partial_change_leaves_the_rest(operator, droid, chain_reads):
    assert patch(operator, droid, {"maxBots": 3, "gasBudgetLimit": Decimal("0.5")}).status_code == 200

    droid.refresh_from_db()
    assert (droid.max_bots, droid.gas_budget_limit, droid.max_price, droid.funding_usd) == (
        3,
        Decimal("0.5"),
        Decimal(4000),
        Decimal(50000),
    )
    assert chain_reads == []


def test_a_null_gas_budget_lifts_the_limit(operator, chain_reads):
    droid = DroidFactory(owner=operator.user, gas_budget_limit=Decimal("0.2"))

    assert body(patch(operator, droid, {"gasBudgetLimit": None}))["gasBudgetLimit"] is None
    droid.refresh_from_db()
    assert droid.gas_budget_limit is None


def test_lowering_the_funding_needs_no_chain_read(operator, droid, chain_reads):
    assert patch(operator, droid, {"fundingUSD": 1000}).status_code == 200
    assert chain_reads == []


def test_raising_the_funding_past_the_wallet_is_refused(operator, droid, chain_reads):
    DroidFactory(owner=operator.user, account=droid.account, funding_usd=Decimal("40000"))

    assert_error(patch(operator, droid, {"fundingUSD": Decimal("60000.5")}), 400, "fundingUSD", "60000 USD")
    droid.refresh_from_db()
    assert droid.funding_usd == Decimal(50000)
    assert patch(operator, droid, {"fundingUSD": 60000}).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"minPrice": 4500}, "minPrice", "below maxPrice (4000)"),
        ({"maxPrice": 2000}, "minPrice", "below maxPrice (2000)"),
        ({"tickBuckets": 4}, "maxBots", "at most tickBuckets (4)"),
        ({"bucketOffset": 11}, "bucketOffset", "-10..10"),
        ({"fallingRebalanceTrigger": 1}, "fallingRebalanceTrigger", "less than 1"),
        ({"ladderPercMargin": Decimal("0.6")}, "ladderPercMargin", "at most 0.5"),
        ({"txPriority": 9}, "txPriority", ""),
        ({"maxBots": "8"}, "maxBots", "Not a valid integer"),
        ({"maxGasPrice": "60"}, "maxGasPrice", "Not a valid number"),
        ({"poolId": 1}, "poolId", "Unknown field"),
        ({"active": 1}, "active", "Unknown field"),
        ({}, "at least one of", "fundingUSD"),
    ],
)
def test_a_bad_change_is_a_400_and_changes_nothing(operator, droid, chain_reads, changes, field, fragment):
    assert_error(patch(operator, droid, changes), 400, field, fragment)

    stored = DroidFactory._meta.model.objects.get(id=droid.id)
    assert (stored.min_price, stored.max_price, stored.tick_buckets, stored.max_bots) == (
        Decimal(2500),
        Decimal(4000),
        10,
        5,
    )


def test_a_closed_droid_cannot_be_reconfigured(operator, chain_reads):
    closed = DroidFactory(owner=operator.user, active=DroidActive.CLOSED)

    assert_error(patch(operator, closed, {"maxBots": 3}), 409, "closed")
    closed.refresh_from_db()
    assert closed.max_bots == 5


def test_a_viewer_may_not_reconfigure(client_as):
    viewer = client_as(Role.VIEWER)
    droid = DroidFactory(owner=viewer.user)

    assert_error(patch(viewer, droid, {"maxBots": 3}), 403)


def test_another_users_droid_is_not_found(operator):
    assert_error(patch(operator, DroidFactory(), {"maxBots": 3}), 404)


def test_an_admin_reconfigures_another_users_droid(client_as, chain_reads):
    droid = DroidFactory()

    assert patch(client_as(Role.ADMIN), droid, {"maxBots": 3}).status_code == 200


def test_reconfiguring_needs_a_signed_in_user(droid):
    assert_error(APIClient().patch(f"/api/droids/{droid.id}/config", {"maxBots": 3}, format="json"), 401)
