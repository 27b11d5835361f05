"""An approved user has a funded paper account ready (PAPER_ACCOUNT_ON_APPROVAL), so seed 004's
example order answers as the seed documents it with no other set-up."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.accounts import services
from apps.accounts.models import Role, Status
from apps.exchanges.models import AccountStatus, ExchangeAccount, PaperBalance
from apps.exchanges.paper.engine import set_price
from tests.accounts.factories import PASSWORD, UserFactory, bearer, sign_in
from tests.exchanges.factories import FundedPaperAccountFactory

pytestmark = pytest.mark.django_db

# Seed 004, POST /orders: the example request, and its example response without the ids and time.
SEED_ORDER = {
    "market": "ETH_USDC",
    "side": "BUY",
    "orderType": "LIMIT",
    "quantity": 1.5,
    "price": 3200.00,
    "timeInForce": "GTC",
    "stopPrice": None,
    "expiresAt": None,
}
SEED_ORDER_RESPONSE = {
    "market": "ETH_USDC",
    "side": "BUY",
    "orderType": "LIMIT",
    "quantity": 1.5,
    "price": 3200,
    "stopPrice": None,
    "timeInForce": "GTC",
    "status": "OPEN",
    "expiresAt": None,
}


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what approval schedules after commit (the paper account), as a real commit would."""

    def approve(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.approve_user(**kwargs)

    return approve


def paper_accounts(user):
    return ExchangeAccount.objects.filter(user=user, exchange_name="paper", status=AccountStatus.ACTIVE)


def place_seed_order(api, user):
    return api.post("/api/orders", json.dumps(SEED_ORDER), content_type="application/json", **bearer(sign_in(user)))


def test_approval_opens_a_funded_paper_account(run_on_commit, admin_user):
    pending = UserFactory(status=Status.PENDING)
    run_on_commit(user=pending, role=Role.OPERATOR, actor=admin_user)

    account = paper_accounts(pending).get()
    balances = dict(PaperBalance.objects.filter(account=account).values_list("asset", "total"))
    assert balances["USDC"] == Decimal("100000")


def test_seed_004s_example_order_answers_as_documented_right_after_approval(api, run_on_commit, admin_user):
    trader = run_on_commit(user=UserFactory(status=Status.PENDING), actor=admin_user)
    # Above the seed's limit price, so its buy rests OPEN as the seed's example shows.
    set_price(symbol="ETH_USDC", price=Decimal("3300"))

    response = place_seed_order(api, trader)

    assert response.status_code == 201, response.content
    order = response.json()["order"]
    assert {key: order[key] for key in SEED_ORDER_RESPONSE} == SEED_ORDER_RESPONSE
    assert order["userId"] == str(trader.id)
    assert b'"quantity":1.5' in response.content


def test_a_position_above_one_unit_is_not_capped_by_default(api, run_on_commit, admin_user):
    trader = run_on_commit(user=UserFactory(status=Status.PENDING), actor=admin_user)
    set_price(symbol="ETH_USDC", price=Decimal("3000"))  # the buy at 3200 fills at once

    response = place_seed_order(api, trader)

    assert response.status_code == 201, response.content
    assert response.json()["order"]["status"] == "FILLED"


def test_without_the_setting_approval_opens_no_account(api, run_on_commit, admin_user, settings):
    settings.PAPER_ACCOUNT_ON_APPROVAL = False
    trader = run_on_commit(user=UserFactory(status=Status.PENDING), actor=admin_user)

    assert not ExchangeAccount.objects.filter(user=trader).exists()
    response = place_seed_order(api, trader)
    assert response.status_code == 400
    assert "Add an exchange account" in response.json()["error"]


def test_reinstating_a_suspended_user_keeps_their_one_paper_account(run_on_commit, admin_user):
    pending = UserFactory(status=Status.PENDING)
    run_on_commit(user=pending, actor=admin_user)
    services.suspend_user(user=pending, actor=admin_user)
    run_on_commit(user=pending, actor=admin_user)

    assert paper_accounts(pending).count() == 1


def test_a_paper_account_the_user_already_has_is_not_doubled(run_on_commit, admin_user):
    pending = UserFactory(status=Status.PENDING)
    existing = FundedPaperAccountFactory(user=pending)
    run_on_commit(user=pending, actor=admin_user)

    assert list(paper_accounts(pending)) == [existing]


def test_a_pending_user_has_no_paper_account_yet(api, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/auth/register", {"email": "new@example.com", "password": PASSWORD}, format="json")

    assert not ExchangeAccount.objects.exists()


def test_the_first_account_an_admin_from_the_start_has_one_too(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/auth/register", {"email": "first@example.com", "password": PASSWORD}, format="json")

    assert response.json()["user"]["role"] == "ADMIN"
    assert ExchangeAccount.objects.filter(user__email="first@example.com", exchange_name="paper").count() == 1
