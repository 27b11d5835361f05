"""Seed 004's droids (`/api/droids...`, the app envelope `{"error": "...", "code": "400"}`).

Signed-in users read their own droids and wallets (an ADMIN every droid; another user's droid is
a 404); operators and admins create droids, change their configuration, pause and run them;
only admins reset or close one. Numbers are JSON numbers, parsed as Decimal and written with
their own digits.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.core.pagination import parse_bounded_int
from apps.core.parsers import JSONParser
from apps.core.query import reject_unknown_parameters
from apps.droids import selectors, services
from apps.droids.presenters import (
    present_account,
    present_bot,
    present_config,
    present_droid,
    present_history,
    present_pool,
    present_session,
)
from apps.droids.serializers import (
    AccountListOutput,
    ActiveInput,
    ActiveOutput,
    CreatedOutput,
    DroidConfigInput,
    DroidConfigOutput,
    DroidDetailOutput,
    DroidListOutput,
    HistoryListOutput,
    NewDroidInput,
    PoolListOutput,
)

TAGS = ["droids (seed 004)"]
DEFAULT_HISTORY = 500
MAX_HISTORY = 5000
DROID_ID = OpenApiParameter("droid_id", int, OpenApiParameter.PATH, description="The droid's id.")
SEED_DROID = {
    "poolId": 42,
    "fundingUSD": 50000,
    "triggerType": "EMA",
    "tickBuckets": 10,
    "bucketOffset": 0,
    "fundingCurveType": "LINEAR",
    "maxBots": 5,
    "maxPrice": 4000.00,
    "minPrice": 2500.00,
    "gasBudgetLimit": 100,
    "maxGasPrice": 50,
    "txPriority": 1,
    "derivativeThreshold": 0.01,
    "ladderPercMargin": 0.02,
    "fallingRebalanceTrigger": 0.03,
    "risingRebalanceTrigger": 0.05,
}


class DecimalJSONParser(JSONParser):
    """JSON whose fractional numbers become Decimal, not float: `0.1` is 0.1."""

    parse_float = staticmethod(Decimal)


class CanRunDroids(CanTrade):
    """Reads for every active user; writes for operators and admins, as for trading."""

    message = "Viewers may look at droids but not run them: ask an admin for the operator role."


class DroidView(APIView):
    permission_classes = [CanRunDroids]
    parser_classes = [DecimalJSONParser]


class DroidListView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_list",
        summary="Your droids (an admin's: every droid)",
        responses={200: DroidListOutput, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        return Response({"droids": [present_droid(droid) for droid in selectors.droid_rows(user=request.user)]})

    @extend_schema(
        tags=TAGS,
        operation_id="droids_create",
        summary="Create a droid (paused)",
        description=(
            "OPERATOR or ADMIN. The droid starts paused (a PAUSED session is opened); set `active` 1 to "
            "run it. Beyond each field's range: minPrice below maxPrice, bucketOffset within "
            "-tickBuckets..tickBuckets, maxBots at most tickBuckets, and fundingUSD at most the wallet's "
            "value on the chain (its balances of the pool's two tokens at the pool's price) less the "
            "funding of its other droids that are not closed. `accountId` defaults to your first wallet "
            "(400 if you have none). 503 when the chain node cannot be read to check the funds. "
            "Unknown fields are a 400."
        ),
        request=NewDroidInput,
        examples=[OpenApiExample("seed", value=SEED_DROID, request_only=True)],
        responses={201: CreatedOutput, **error_responses(Family.APP, 400, 401, 403, 503)},
    )
    def post(self, request: Request) -> Response:
        body = NewDroidInput(data=request.data)
        body.is_valid(raise_exception=True)
        config = dict(body.validated_data)
        droid = services.create_droid(
            user=request.user, pool_id=config.pop("poolId"), account_id=config.pop("accountId", None), config=config
        )
        return Response({"id": droid.id}, status=201)


class DroidDetailView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_retrieve",
        summary="A droid, its sessions (newest first) and its bots (positions)",
        parameters=[DROID_ID],
        responses={200: DroidDetailOutput, **error_responses(Family.APP, 401, 403, 404)},
    )
    def get(self, request: Request, droid_id: int) -> Response:
        droid, sessions, bots = selectors.droid_detail(user=request.user, droid_id=droid_id)
        return Response(
            {
                "droid": present_droid(droid),
                "sessions": [present_session(row) for row in sessions],
                "bots": [present_bot(row) for row in bots],
            }
        )


class DroidActiveView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_set_active",
        summary="Pause, run, reset or close a droid",
        description=(
            "0 pause and 1 run: OPERATOR or ADMIN; 2 reset and 3 close every position and stop: ADMIN "
            "only (403 otherwise). Allowed: 0->1, 1->0, 0->2, 1->2, 0->3, 1->3, 2->1, 2->0; the state "
            "it already has, any other change, and any change of a closed droid (3 is final) are a 409. "
            "Each change closes the open session and opens one with the new status. Reset and close "
            "have the engine close the droid's positions."
        ),
        parameters=[DROID_ID],
        request=ActiveInput,
        responses={200: ActiveOutput, **error_responses(Family.APP, 400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, droid_id: int) -> Response:
        body = ActiveInput(data=request.data)
        body.is_valid(raise_exception=True)
        droid = services.set_droid_active(user=request.user, droid_id=droid_id, active=body.validated_data["active"])
        return Response({"id": droid.id, "active": droid.active})


class DroidConfigView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_update_config",
        summary="Change a droid's configuration",
        description=(
            "OPERATOR or ADMIN. Any of the configuration fields, with the rules of creation, checked "
            "against the droid's other stored values; raising fundingUSD is checked against the "
            "wallet's funds (503 when the chain node cannot be read). Answers the whole configuration. "
            "409 once the droid is closed. An empty body or an unknown field is a 400."
        ),
        parameters=[DROID_ID],
        request=DroidConfigInput,
        responses={200: DroidConfigOutput, **error_responses(Family.APP, 400, 401, 403, 404, 409, 503)},
    )
    def patch(self, request: Request, droid_id: int) -> Response:
        body = DroidConfigInput(data=request.data)
        body.is_valid(raise_exception=True)
        droid = services.update_droid_config(user=request.user, droid_id=droid_id, changes=dict(body.validated_data))
        return Response(present_config(droid))


class DroidHistoryView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_history",
        summary="A droid's holdings over time, newest first",
        parameters=[
            DROID_ID,
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_HISTORY},
                description=f"At most this many rows, newest first (1..{MAX_HISTORY}, default {DEFAULT_HISTORY}).",
            ),
        ],
        responses={200: HistoryListOutput, **error_responses(Family.APP, 400, 401, 403, 404)},
    )
    def get(self, request: Request, droid_id: int) -> Response:
        reject_unknown_parameters(request.query_params, {"limit"})
        limit = parse_bounded_int(
            request.query_params.get("limit"), name="limit", default=DEFAULT_HISTORY, maximum=MAX_HISTORY
        )
        rows = selectors.droid_history(user=request.user, droid_id=droid_id, limit=limit)
        return Response({"history": [present_history(row) for row in rows]})


class AccountListView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_accounts",
        summary="Your droid wallets (never their keys)",
        responses={200: AccountListOutput, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        return Response({"accounts": [present_account(row) for row in selectors.accounts_of(user=request.user)]})


class PoolListView(DroidView):
    @extend_schema(
        tags=TAGS,
        operation_id="droids_pools",
        summary="The Uniswap v3 pools droids may work on",
        responses={200: PoolListOutput, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request.query_params, set())
        return Response({"pools": [present_pool(row) for row in selectors.pool_rows()]})


urlpatterns = [
    path("droids", DroidListView.as_view(), name="droids"),
    path("droids/accounts", AccountListView.as_view(), name="droid-accounts"),
    path("droids/pools", PoolListView.as_view(), name="droid-pools"),
    path("droids/<int:droid_id>", DroidDetailView.as_view(), name="droid-detail"),
    path("droids/<int:droid_id>/active", DroidActiveView.as_view(), name="droid-active"),
    path("droids/<int:droid_id>/config", DroidConfigView.as_view(), name="droid-config"),
    path("droids/<int:droid_id>/history", DroidHistoryView.as_view(), name="droid-history"),
]
