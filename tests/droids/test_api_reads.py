"""GET /api/droids, /api/droids/{id}, /api/droids/{id}/history, /api/droids/accounts and
/api/droids/pools: the seed's shapes, what each user may see, and the query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.droids.models import BotStatus, SessionStatus
from tests.droids.conftest import assert_error, body
from tests.droids.factories import (
    DroidAccountFactory,
    DroidBotFactory,
    DroidFactory,
    DroidHistoryFactory,
    DroidPoolFactory,
    DroidSessionFactory,
)

pytestmark = pytest.mark.django_db

SEED_DROID_KEYS = [
    "id",
    "blockChain",
    "active",
    "poolId",
    "accountId",
    "fundingUSD",
    "triggerType",
    "tickBuckets",
    "bucketOffset",
    "fundingCurveType",
    "maxBots",
    "maxPrice",
    "minPrice",
    "fallingRebalanceTrigger",
    "risingRebalanceTrigger",
    "maxGasPrice",
    "gasBudgetLimit",
    "txPriority",
    "derivativeThreshold",
    "ladderPercMargin",
    "pausedReason",
    "createdAt",
]


def test_it_lists_the_users_droids_in_the_seeds_shape(operator):
    droid = DroidFactory(owner=operator.user)
    DroidFactory()  # someone else's

    response = operator.get("/api/droids")

    assert response.status_code == 200
    (listed,) = body(response)["droids"]
    assert list(listed) == SEED_DROID_KEYS
    assert listed["id"] == droid.id and listed["poolId"] == droid.pool_id and listed["accountId"] == droid.account_id
    assert (listed["blockChain"], listed["active"], listed["triggerType"], listed["fundingCurveType"]) == (
        "ethereum",
        0,
        "EMA",
        "LINEAR",
    )
    assert listed["fundingUSD"] == 50000 and listed["maxPrice"] == 4000 and listed["minPrice"] == 2500
    # JSON numbers with the stored digits, not strings and not float noise.
    assert b'"fallingRebalanceTrigger":0.03,' in response.content
    assert b'"fundingUSD":50000,' in response.content and b'"maxPrice":4000,' in response.content
    assert listed["derivativeThreshold"] == Decimal("0.01") and listed["ladderPercMargin"] == Decimal("0.02")
    assert listed["gasBudgetLimit"] is None and listed["pausedReason"] == ""
    assert listed["createdAt"].endswith("Z") and len(listed["createdAt"]) == len("2026-01-15T08:00:00.000Z")


def test_an_admin_lists_every_droid(client_as):
    admin = client_as(Role.ADMIN)
    ids = [DroidFactory().id, DroidFactory().id]

    assert [d["id"] for d in body(admin.get("/api/droids"))["droids"]] == ids


def test_it_shows_a_droid_with_its_sessions_and_bots(operator):
    droid = DroidFactory(owner=operator.user, active=1)
    earlier = DroidSessionFactory(
        droid=droid, status=SessionStatus.PAUSED, started_by=operator.user, stopped_at=timezone.now()
    )
    current = DroidSessionFactory(droid=droid, status=SessionStatus.RUNNING, reason="restarted")
    bot = DroidBotFactory(droid=droid, token_id=0xABC, tick_lower=-120, tick_upper=-60)
    closed = DroidBotFactory(droid=droid, status=BotStatus.CLOSED, tick_lower=0, tick_upper=60)

    response = operator.get(f"/api/droids/{droid.id}")

    assert response.status_code == 200
    shown = response.json()
    assert list(shown) == ["droid", "sessions", "bots"]
    assert shown["droid"]["id"] == droid.id and shown["droid"]["active"] == 1
    assert [(s["id"], s["status"], s["startedBy"], s["reason"]) for s in shown["sessions"]] == [
        (current.id, "RUNNING", None, "restarted"),
        (earlier.id, "PAUSED", operator.user.email, ""),
    ]
    assert shown["sessions"][0]["stoppedAt"] is None and shown["sessions"][1]["stoppedAt"].endswith("Z")
    assert shown["bots"][0] == {
        "id": bot.id,
        "positionId": "0xabc",
        "status": "ACTIVE",
        "tickLower": -120,
        "tickUpper": -60,
        "liquidity": str(2**127 + 1),  # a uint128 as a string: no client loses its digits
        "openedAt": shown["bots"][0]["openedAt"],
        "closedAt": None,
    }
    assert shown["bots"][1]["id"] == closed.id and shown["bots"][1]["status"] == "CLOSED"


def test_another_users_droid_is_not_found(operator):
    other = DroidFactory()
    DroidHistoryFactory(droid=other)

    assert_error(operator.get(f"/api/droids/{other.id}"), 404, "Droid not found")
    assert_error(operator.get(f"/api/droids/{other.id}/history"), 404, "Droid not found")
    assert_error(operator.get("/api/droids/999999999"), 404)


def test_an_admin_sees_another_users_droid(client_as):
    droid = DroidFactory()
    assert client_as(Role.ADMIN).get(f"/api/droids/{droid.id}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/droids", "/api/droids/1", "/api/droids/1/history", "/api/droids/accounts", "/api/droids/pools"]
)
def test_reads_need_a_signed_in_user(path):
    assert_error(APIClient().get(path), 401)


def test_a_viewer_reads_their_droids(client_as):
    viewer = client_as(Role.VIEWER)
    droid = DroidFactory(owner=viewer.user)

    assert viewer.get(f"/api/droids/{droid.id}").status_code == 200


def test_history_is_newest_first_with_the_fees(operator):
    droid = DroidFactory(owner=operator.user)
    newest, older = DroidHistoryFactory(droid=droid), DroidHistoryFactory(droid=droid)

    response = operator.get(f"/api/droids/{droid.id}/history")

    assert response.status_code == 200
    rows = body(response)["history"]
    assert [row["id"] for row in rows] == [newest.id, older.id]
    assert rows[0] == {
        "id": newest.id,
        "timeStamp": rows[0]["timeStamp"],
        "aum": Decimal("51240.75"),
        "price": Decimal("3215.5"),
        "token0Positions": Decimal("8.42"),
        "token1Positions": Decimal("24112.3"),
        "ethWallet": Decimal("0.18"),
        "feesUSD": Decimal("12.5"),
    }
    assert [row["id"] for row in body(operator.get(f"/api/droids/{droid.id}/history", limit=1))["history"]] == [
        newest.id
    ]


def test_history_refuses_a_bad_limit_or_an_unknown_parameter(operator):
    droid = DroidFactory(owner=operator.user)

    assert_error(operator.get(f"/api/droids/{droid.id}/history", limit="x"), 400, "limit")
    assert_error(operator.get(f"/api/droids/{droid.id}/history", limit=10**6), 400, "limit")
    assert_error(operator.get(f"/api/droids/{droid.id}/history", since="today"), 400, "since")


def test_accounts_are_the_users_own_without_their_keys(operator):
    mine = DroidAccountFactory(user=operator.user, label="main", private_key="gAAAA-sealed-key")
    DroidAccountFactory()

    response = operator.get("/api/droids/accounts")

    assert response.status_code == 200
    assert response.json() == {"accounts": [{"id": mine.id, "address": mine.address, "label": "main"}]}
    assert b"sealed" not in response.content


def test_pools_show_their_tokens_and_spacing(operator):
    pool = DroidPoolFactory()

    response = operator.get("/api/droids/pools")

    assert response.json() == {
        "pools": [
            {
                "id": pool.id,
                "poolAddress": pool.address,
                "feeTier": 3000,
                "tickSpacing": 60,
                "token0": "WETH",
                "token1": "USDC",
            }
        ]
    }


def _with_relations(owner, count: int) -> list:
    droids = []
    for _ in range(count):
        droid = DroidFactory(owner=owner)
        DroidSessionFactory(droid=droid, started_by=owner, stopped_at=timezone.now())
        DroidSessionFactory(droid=droid, started_by=owner)
        DroidBotFactory.create_batch(3, droid=droid)
        DroidHistoryFactory.create_batch(2, droid=droid)
        droids.append(droid)
    return droids


def test_the_list_costs_the_same_queries_for_one_droid_or_many(operator, django_assert_num_queries):
    operator.get("/api/droids")  # the session is read once, then answered from the auth cache
    _with_relations(operator.user, 1)
    with django_assert_num_queries(1):
        assert len(body(operator.get("/api/droids"))["droids"]) == 1
    _with_relations(operator.user, 4)
    with django_assert_num_queries(1):
        assert len(body(operator.get("/api/droids"))["droids"]) == 5


def test_the_detail_is_three_queries_with_sessions_and_bots(operator, django_assert_num_queries):
    (droid,) = _with_relations(operator.user, 1)
    operator.get("/api/droids")
    with django_assert_num_queries(3):
        shown = operator.get(f"/api/droids/{droid.id}").json()
    assert (len(shown["sessions"]), len(shown["bots"])) == (2, 3)
    with django_assert_num_queries(2):
        assert len(operator.get(f"/api/droids/{droid.id}/history").json()["history"]) == 2
