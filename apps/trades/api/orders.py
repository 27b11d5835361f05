"""Seed 004's orders: `GET|POST /api/orders`, `GET|DELETE /api/orders/{orderId}` (app envelope).

Prices and quantities are JSON numbers, as the seed's examples write them, rendered digit for
digit from the stored Decimal (DRF's own encoder would pass them through float) and parsed from
the request as Decimal too.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.fields import (
    IsoZDateTimeField,
    StrictCharField,
    StrictChoiceField,
    StrictDateTimeField,
    StrictNumberField,
    StrictRegexField,
    StrictUUIDField,
    plain_amount,
)
from apps.core.openapi import error_responses
from apps.core.pagination import page_parameters, parse_bounded_int
from apps.core.parsers import JSONParser
from apps.exchanges.selectors import account_for, default_account
from apps.trades.models import OrderStatus
from apps.trades.services.orders import (
    NewOrder,
    cancel_standalone_order,
    place_order,
    standalone_order,
    standalone_orders,
)

TAGS = ["orders (seed 004)"]
MARKET_PATTERN = r"^[A-Z0-9]{1,15}_[A-Z0-9]{1,15}$"
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_PAGE = 100_000

# Order.status -> the seed's statuses.
SEED_STATUS = {
    OrderStatus.WAITING: "PENDING",
    OrderStatus.PENDING_SUBMIT: "PENDING",
    OrderStatus.OPEN: "OPEN",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELLED: "CANCELLED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}
SEED_STATUSES = ("OPEN", "FILLED", "CANCELLED", "EXPIRED", "REJECTED", "PENDING", "PARTIALLY_FILLED")
ORDER_TYPES = ("LIMIT", "MARKET", "STOP", "STOP_LIMIT")


# --- exact numbers ------------------------------------------------------------------------------


class ExactNumberJSONRenderer(JSONRenderer):
    """JSON with every Decimal written as a number with exactly its digits (`1.5`, `3200`)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        token = uuid.uuid4().hex
        numbers: list[str] = []

        def swap(value: Any) -> Any:
            if isinstance(value, Decimal):
                numbers.append(plain_amount(value))
                return f"{token}{len(numbers) - 1}"
            if isinstance(value, dict):
                return {key: swap(item) for key, item in value.items()}
            if isinstance(value, list | tuple):
                return [swap(item) for item in value]
            return value

        text = super().render(swap(data), accepted_media_type, renderer_context)
        if not numbers:
            return text
        return re.sub(rb'"' + token.encode() + rb'(\d+)"', lambda m: numbers[int(m[1])].encode(), text)


class ExactNumberJSONParser(JSONParser):
    """JSON whose numbers become Decimal, not float, so `0.1` is 0.1."""

    parse_float = staticmethod(Decimal)


def _amount(**kwargs: Any) -> StrictNumberField:
    return StrictNumberField(max_digits=38, decimal_places=18, numerals=True, **kwargs)


class _UpperChoiceField(StrictChoiceField):
    """A stored lower-case value (`buy`, `stop_limit`) shown as the seed's upper case."""

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(str(value).upper())


class _SeedStatusField(StrictChoiceField):
    def to_representation(self, value: Any) -> str:
        return SEED_STATUS[value]


# --- shapes -------------------------------------------------------------------------------------


class OrderSerializer(serializers.Serializer):
    orderId = StrictUUIDField(source="id")
    userId = StrictUUIDField(source="user_id")
    market = StrictCharField(source="symbol")
    side = _UpperChoiceField(choices=["BUY", "SELL"])
    orderType = _UpperChoiceField(source="order_type", choices=ORDER_TYPES)
    quantity = _amount()
    price = _amount(allow_null=True)
    stopPrice = _amount(source="stop_price", allow_null=True)
    timeInForce = StrictChoiceField(source="time_in_force", choices=["GTC", "IOC", "FOK"])
    status = _SeedStatusField(choices=SEED_STATUSES)
    expiresAt = IsoZDateTimeField(source="expires_at", milliseconds=True, allow_null=True)
    createdAt = IsoZDateTimeField(source="created_at", milliseconds=True)


class OrderEnvelopeSerializer(serializers.Serializer):
    order = OrderSerializer()


class OrderListSerializer(serializers.Serializer):
    orders = OrderSerializer(many=True)


class _OrderView(APIView):
    permission_classes = [CanTrade]
    parser_classes = [ExactNumberJSONParser]
    renderer_classes = [ExactNumberJSONRenderer]


def _order_response(order: Any, *, status: int = 200) -> Response:
    return Response({"order": OrderSerializer(order).data}, status=status)


ORDER_ID_PARAMETER = OpenApiParameter("orderId", str, OpenApiParameter.PATH, description="The order's id (a UUID).")


class OrderListCreateView(_OrderView):
    class FilterSerializer(serializers.Serializer):
        status = StrictChoiceField(choices=SEED_STATUSES, required=False)
        market = StrictRegexField(MARKET_PATTERN, required=False)

    class NewOrderInputSerializer(serializers.Serializer):
        market = StrictRegexField(MARKET_PATTERN, help_text="BASE_QUOTE, e.g. ETH_USDC")
        side = StrictChoiceField(choices=["BUY", "SELL"])
        orderType = StrictChoiceField(choices=ORDER_TYPES)
        quantity = _amount()
        price = _amount(required=False, allow_null=True, help_text="LIMIT and STOP_LIMIT only")
        stopPrice = _amount(required=False, allow_null=True, help_text="STOP and STOP_LIMIT only")
        timeInForce = StrictChoiceField(choices=["GTC", "IOC", "FOK"], default="GTC")
        expiresAt = StrictDateTimeField(required=False, allow_null=True, help_text="ISO-8601, in the future")
        exchangeAccountId = StrictUUIDField(
            required=False, allow_null=True, help_text="Defaults to the trader's oldest active account."
        )
        idempotencyKey = StrictCharField(required=False, allow_blank=True, max_length=128)

        def to_order(self) -> NewOrder:
            given = self.validated_data
            return NewOrder(
                symbol=given["market"],
                side=given["side"].lower(),
                order_type=given["orderType"].lower(),
                quantity=given["quantity"],
                price=given.get("price"),
                stop_price=given.get("stopPrice"),
                time_in_force=given["timeInForce"],
                expires_at=given.get("expiresAt"),
            )

    @extend_schema(
        tags=TAGS,
        operation_id="orders_list",
        summary="The trader's orders, newest first",
        parameters=[
            OpenApiParameter("status", str, enum=SEED_STATUSES, required=False),
            OpenApiParameter("market", str, required=False, pattern=MARKET_PATTERN, description="e.g. ETH_USDC"),
            *page_parameters(default_size=DEFAULT_LIMIT, max_size=MAX_LIMIT, max_page=MAX_PAGE),
        ],
        responses={200: OrderListSerializer, **error_responses(Family.APP, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params.dict())  # `?market=` is a 400, not absent
        query.is_valid(raise_exception=True)
        page = parse_bounded_int(request.query_params.get("page"), name="page", default=1, maximum=MAX_PAGE)
        limit = parse_bounded_int(
            request.query_params.get("limit"), name="limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT
        )
        status = query.validated_data.get("status")
        stored = [key for key, seed in SEED_STATUS.items() if seed == status]
        orders = standalone_orders(user=request.user, symbol=query.validated_data.get("market"))
        if stored:
            orders = orders.filter(status__in=stored)
        window = orders[(page - 1) * limit : page * limit]
        return Response({"orders": OrderSerializer(window, many=True).data})

    @extend_schema(
        tags=TAGS,
        operation_id="orders_create",
        summary="Place an order (through the risk decision loop)",
        description=(
            "LIMIT needs `price`, STOP needs `stopPrice`, STOP_LIMIT both, MARKET neither. Every order "
            "passes the risk decision loop first: a rejection is a 422 naming each failed rule, and "
            "nothing is saved or sent. 201 with the new order; with an `idempotencyKey`, the same key "
            "and body answer 200 with the first order, another body 409. An order that would leave a "
            "position smaller than what live trade groups protect is a 409 naming the groups, nothing "
            "sent (trade that part through the group instead). A venue refusal (funds, "
            "market) answers the venue's error and the order is kept as REJECTED; an unreachable "
            "venue leaves it PENDING, resent by the sync worker."
        ),
        request=NewOrderInputSerializer,
        examples=[
            OpenApiExample(
                "limit",
                request_only=True,
                value={
                    "market": "ETH_USDC",
                    "side": "BUY",
                    "orderType": "LIMIT",
                    "quantity": 1.5,
                    "price": 3200.00,
                    "timeInForce": "GTC",
                    "stopPrice": None,
                    "expiresAt": None,
                },
            )
        ],
        responses={
            200: OrderEnvelopeSerializer,
            201: OrderEnvelopeSerializer,
            **error_responses(Family.APP, 400, 401, 403, 404, 409, 422, 429, 502),
        },
    )
    def post(self, request: Request) -> Response:
        body = self.NewOrderInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account_id = body.validated_data.get("exchangeAccountId")
        user = request.user
        account = account_for(user=user, account_id=account_id) if account_id else default_account(user=user)
        order, created = place_order(
            user=user,
            account=account,
            new=body.to_order(),
            idempotency_key=body.validated_data.get("idempotencyKey", ""),
        )
        return _order_response(order, status=201 if created else 200)


class OrderDetailView(_OrderView):
    @extend_schema(
        tags=TAGS,
        operation_id="orders_retrieve",
        summary="One order",
        parameters=[ORDER_ID_PARAMETER],
        responses={200: OrderEnvelopeSerializer, **error_responses(Family.APP, 401, 403, 404)},
    )
    def get(self, request: Request, orderId: str) -> Response:
        return _order_response(standalone_order(user=request.user, order_id=orderId))

    @extend_schema(
        tags=TAGS,
        operation_id="orders_cancel",
        summary="Cancel an open order",
        description="409 when the order is already filled, cancelled, expired or rejected.",
        parameters=[ORDER_ID_PARAMETER],
        responses={200: OrderEnvelopeSerializer, **error_responses(Family.APP, 401, 403, 404, 409, 429, 502)},
    )
    def delete(self, request: Request, orderId: str) -> Response:
        return _order_response(cancel_standalone_order(user=request.user, order_id=orderId))


urlpatterns = [
    path("orders", OrderListCreateView.as_view(), name="orders"),
    path("orders/<str:orderId>", OrderDetailView.as_view(), name="order-detail"),
]
