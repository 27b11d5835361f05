"""POST /api/droids: the seed's body creates a paused droid with its first session; every bad
input is a 400 in the app envelope naming the field, and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.droids import services
from apps.droids.models import Droid, DroidActive, DroidSession
from tests.droids.conftest import assert_error
from tests.droids.factories import DroidAccountFactory, DroidFactory, DroidPoolFactory

pytestmark = pytest.mark.django_db

WALLET_VALUE = Decimal("100000")


@pytest.fixture(autouse=True)
def wallet_value(monkeypatch):
    """The wallet's value on the chain. Read for real on anvil in test_funding.py; here it stands
    for a wallet of known value, so these tests need no node."""
    value = {"usd": WALLET_VALUE}
    monkeypatch.setattr(services, "account_value_usd", lambda account, pool: value["usd"])
    return value


@pytest.fixture
def pool(db):
    return DroidPoolFactory()


@pytest.fixture
def wallet(operator):
    return DroidAccountFactory(user=operator.user)


def seed_body(pool, **changes):
    body = {
        "poolId": pool.id,
        "fundingUSD": 50000,
        "triggerType": "EMA",
        "tickBuckets": 10,
        "bucketOffset": 0,
        "fundingCurveType": "LINEAR",
        "maxBots": 5,
        "maxPrice": Decimal("4000.00"),
        "minPrice": Decimal("2500.00"),
        "gasBudgetLimit": 100,
        "maxGasPrice": 50,
        "txPriority": 1,
        "derivativeThreshold": Decimal("0.01"),
        "ladderPercMargin": Decimal("0.02"),
        "fallingRebalanceTrigger": Decimal("0.03"),
        "risingRebalanceTrigger": Decimal("0.05"),
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def post(client, body):
    return client.post("/api/droids", body)


def test_the_seeds_body_creates_a_paused_droid_with_its_first_session(operator, pool, wallet):
    response = post(operator, seed_body(pool))

    assert response.status_code == 201, response.content
    droid = Droid.objects.get()
    assert response.json() == {"id": droid.id}
    assert (droid.owner, droid.account, droid.pool, droid.active) == (operator.user, wallet, pool, DroidActive.PAUSED)
    assert (droid.funding_usd, droid.max_price, droid.min_price) == (Decimal(50000), Decimal(4000), Decimal(2500))
    assert (droid.falling_rebalance_trigger, droid.rising_rebalance_trigger) == (Decimal("0.03"), Decimal("0.05"))
    assert (droid.gas_budget_limit, droid.max_gas_price, droid.tx_priority) == (Decimal(100), Decimal(50), 1)
    assert (droid.trigger_type, droid.funding_curve_type, droid.tick_buckets, droid.max_bots) == (
        "EMA",
        "LINEAR",
        10,
        5,
    )
    session = DroidSession.objects.get()
    assert (session.droid, session.status, session.started_by, session.stopped_at) == (
        droid,
        "PAUSED",
        operator.user,
        None,
    )
    assert operator.get(f"/api/droids/{droid.id}").json()["droid"]["fundingUSD"] == 50000


def test_the_defaults_fill_what_the_body_leaves_out(operator, pool, wallet):
    body = seed_body(pool, triggerType=..., bucketOffset=..., fundingCurveType=..., txPriority=..., gasBudgetLimit=...)

    assert post(operator, body).status_code == 201
    droid = Droid.objects.get()
    assert (droid.trigger_type, droid.bucket_offset, droid.funding_curve_type, droid.tx_priority) == (
        "PRICE",
        0,
        "FLAT",
        1,
    )
    assert droid.gas_budget_limit is None


def test_it_funds_from_the_wallet_named_by_account_id(operator, pool, wallet):
    second = DroidAccountFactory(user=operator.user)

    assert post(operator, seed_body(pool, accountId=second.id)).status_code == 201
    assert Droid.objects.get().account == second


BAD_BODIES = [
    ({"minPrice": 4000}, "minPrice", "below maxPrice"),
    ({"minPrice": 4500}, "minPrice", "below maxPrice"),
    ({"minPrice": 0}, "minPrice", "greater than 0"),
    ({"maxPrice": -1}, "maxPrice", "greater than 0"),
    ({"tickBuckets": 0}, "tickBuckets", ""),
    ({"tickBuckets": 201}, "tickBuckets", ""),
    ({"maxBots": 0}, "maxBots", ""),
    ({"maxBots": 51, "tickBuckets": 60}, "maxBots", ""),
    ({"maxBots": 11}, "maxBots", "tickBuckets"),
    ({"bucketOffset": 11}, "bucketOffset", "-10..10"),
    ({"bucketOffset": -11}, "bucketOffset", "-10..10"),
    ({"fallingRebalanceTrigger": 0}, "fallingRebalanceTrigger", "greater than 0"),
    ({"fallingRebalanceTrigger": 1}, "fallingRebalanceTrigger", "less than 1"),
    ({"risingRebalanceTrigger": Decimal("1.5")}, "risingRebalanceTrigger", "less than 1"),
    ({"derivativeThreshold": 1}, "derivativeThreshold", "less than 1"),
    ({"derivativeThreshold": Decimal("-0.1")}, "derivativeThreshold", "at least 0"),
    ({"ladderPercMargin": Decimal("0.51")}, "ladderPercMargin", "at most 0.5"),
    ({"maxGasPrice": 0}, "maxGasPrice", "greater than 0"),
    ({"gasBudgetLimit": 0}, "gasBudgetLimit", "greater than 0"),
    ({"txPriority": 4}, "txPriority", ""),
    ({"txPriority": -1}, "txPriority", ""),
    ({"triggerType": "MOON"}, "triggerType", ""),
    ({"fundingCurveType": "CUBIC"}, "fundingCurveType", ""),
    ({"poolId": 999_999}, "poolId", "No pool 999999"),
    ({"colour": "red"}, "colour", "Unknown field"),
    ({"fundingUSD": "50000"}, "fundingUSD", "Not a valid number"),
    ({"fundingUSD": True}, "fundingUSD", "Not a valid number"),
    ({"tickBuckets": "10"}, "tickBuckets", "Not a valid integer"),
    ({"maxPrice": None}, "maxPrice", ""),
    ({"txPriority": Decimal("1.5")}, "txPriority", ""),
    ({"triggerType": 1}, "triggerType", ""),
    ({"fundingUSD": ...}, "fundingUSD", "required"),
    ({"minPrice": Decimal("0.0000000000000000001")}, "minPrice", "decimal places"),
    ({"fundingUSD": Decimal("1e21")}, "fundingUSD", ""),
    ({"accountId": "1"}, "accountId", "Not a valid integer"),
]


@pytest.mark.parametrize(("changes", "field", "fragment"), BAD_BODIES)
def test_a_bad_body_is_a_400_naming_the_field_and_writes_nothing(operator, pool, wallet, changes, field, fragment):
    response = post(operator, seed_body(pool, **changes))

    assert_error(response, 400, field, fragment)
    assert not Droid.objects.exists() and not DroidSession.objects.exists()


@pytest.mark.parametrize("raw", [b"[]", b"{", b"null", b'"droid"'])
def test_a_body_that_is_no_object_is_a_400(operator, pool, wallet, raw):
    assert_error(operator.api.post("/api/droids", raw, content_type="application/json"), 400)
    assert not Droid.objects.exists()


def test_a_user_without_a_wallet_is_told_so(operator, pool):
    assert_error(post(operator, seed_body(pool)), 400, "accountId", "no droid wallet")
    assert not Droid.objects.exists()


def test_another_users_wallet_is_refused(operator, pool, wallet):
    theirs = DroidAccountFactory()

    assert_error(post(operator, seed_body(pool, accountId=theirs.id)), 400, "accountId", f"No wallet {theirs.id}")
    assert not Droid.objects.exists()


def test_a_wallet_on_another_chain_is_refused(operator, pool):
    DroidAccountFactory(user=operator.user, chain_id=1)

    assert_error(post(operator, seed_body(pool)), 400, "accountId", "chain 1")


def test_funding_beyond_what_the_wallets_other_droids_leave_is_refused(operator, pool, wallet):
    DroidFactory(owner=operator.user, account=wallet, funding_usd=Decimal("30000"))
    DroidFactory(owner=operator.user, account=wallet, funding_usd=Decimal("90000"), active=DroidActive.CLOSED)

    response = post(operator, seed_body(pool, fundingUSD=Decimal("70000.01")))

    assert_error(response, 400, "fundingUSD", "70000 USD")
    assert Droid.objects.count() == 2 and not DroidSession.objects.exists()
    # What is left is exactly enough; the closed droid's funding is not counted.
    assert post(operator, seed_body(pool, fundingUSD=70000)).status_code == 201


def test_another_wallets_droids_do_not_count(operator, pool, wallet):
    DroidFactory(owner=operator.user, funding_usd=Decimal("100000"))  # on a wallet of its own

    assert post(operator, seed_body(pool, fundingUSD=100000)).status_code == 201


def test_a_pool_without_a_stablecoin_cannot_be_funded(operator, wallet, monkeypatch):
    from apps.droids.selectors import account_value_usd

    monkeypatch.setattr(services, "account_value_usd", account_value_usd)
    pool = DroidPoolFactory(token0_symbol="WETH", token1_symbol="WBTC")

    assert_error(post(operator, seed_body(pool)), 400, "poolId", "no USD stablecoin")


def test_a_viewer_may_not_create_a_droid(client_as, pool):
    viewer = client_as(Role.VIEWER)
    DroidAccountFactory(user=viewer.user)

    assert_error(post(viewer, seed_body(pool)), 403, "Viewers")
    assert not Droid.objects.exists()


def test_creating_needs_a_signed_in_user(pool):
    assert_error(APIClient().post("/api/droids", {}, format="json"), 401)


def test_an_admin_creates_a_droid_on_their_own_wallet(client_as, pool):
    admin = client_as(Role.ADMIN)
    DroidAccountFactory(user=admin.user)

    assert post(admin, seed_body(pool)).status_code == 201
    assert Droid.objects.get().owner == admin.user


def test_an_amount_keeps_all_its_digits_from_request_to_response(operator, pool, wallet):
    exact = Decimal("1234.123456789012345678")  # more digits than a float holds

    created = post(operator, seed_body(pool, fundingUSD=exact, maxGasPrice=Decimal("0.1"))).json()

    assert Droid.objects.get().funding_usd == exact
    shown = operator.get(f"/api/droids/{created['id']}")
    assert b'"fundingUSD":1234.123456789012345678,' in shown.content
    assert b'"maxGasPrice":0.1,' in shown.content
