"""Seed 003's trade groups under /api/v1/trades: open behind the decision loop, follow, change
the stop, the targets and break-even, close, and clean up ghost orders.

Prices and quantities are Decimal strings both ways; statuses read in lower case, as the
seed's events write them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.fields import (
    AmountField,
    IsoZDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
)
from apps.core.openapi import error_responses
from apps.core.pagination import DeskPagination, PaginationSerializer, page_parameters
from apps.exchanges.venues.base import SYMBOL_PATTERN
from apps.trades.presenters import present_group
from apps.trades.selectors import GROUP_STATUS_FILTERS, parse_group_statuses, trade_group_for, trade_groups_for
from apps.trades.services import changes
from apps.trades.services import groups as services
from apps.trades.services.cleanup import cleanup_ghost_orders

TAGS = ["trades (seed 003)"]


@extend_schema_field(OpenApiTypes.STR)
class LowerField(StrictCharField):
    def to_representation(self, value: str) -> str:
        return str(value).lower()


# --- input ------------------------------------------------------------------------------------


class TakeProfitInput(serializers.Serializer):
    price = AmountField()
    quantity = AmountField()
    order_type = StrictChoiceField(choices=["limit"], default="limit")


class TradeInput(serializers.Serializer):
    symbol = StrictRegexField(SYMBOL_PATTERN, help_text="BASE_QUOTE, e.g. BTC_USDT (BTC_USDT_PERP: the perpetual).")
    side = StrictChoiceField(choices=["buy", "sell"])
    entry_type = StrictChoiceField(choices=["limit", "market"], default="limit")
    entry_price = AmountField(required=False, allow_null=True, help_text="Required for a limit entry.")
    quantity = AmountField(help_text="In the base asset; the take-profit quantities sum to it.")
    stop_loss_price = AmountField(required=False, allow_null=True)
    take_profit = TakeProfitInput(many=True, required=False)
    leverage = StrictIntegerField(min_value=1, max_value=125, default=1)
    break_even = StrictBooleanField(default=False, help_text="Move the stop to the entry once a target fills.")
    exchange_account_id = StrictUUIDField(required=False, allow_null=True, help_text="Default: your first account.")
    idempotency_key = StrictCharField(
        max_length=128, required=False, allow_blank=True, help_text="The same key and body return the first result."
    )

    def validate_symbol(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["entry_type"] == "limit" and attrs.get("entry_price") is None:
            raise serializers.ValidationError({"entry_price": ["A limit entry needs an entry_price."]})
        if attrs["entry_type"] == "market" and attrs.get("entry_price") is not None:
            raise serializers.ValidationError({"entry_price": ["Leave it out for a market entry."]})
        attrs["take_profit"] = [dict(target) for target in attrs.get("take_profit", [])]
        return attrs


class StopLossInput(serializers.Serializer):
    stop_loss_price = AmountField(min_value=Decimal(0))

    def validate_stop_loss_price(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("Must be a positive number.")
        return value


class TakeProfitsInput(serializers.Serializer):
    take_profit = TakeProfitInput(many=True, allow_empty=False)

    def validate_take_profit(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for target in value:
            if target["price"] <= 0 or target["quantity"] <= 0:
                raise serializers.ValidationError("Every price and quantity must be a positive number.")
        return [dict(target) for target in value]


class BreakEvenInput(serializers.Serializer):
    enabled = StrictBooleanField()


# --- output -----------------------------------------------------------------------------------


class OrderOutput(serializers.Serializer):
    id = StrictUUIDField()
    role = LowerField()
    target_index = StrictIntegerField(allow_null=True)
    symbol = StrictCharField()
    side = StrictCharField()
    type = StrictCharField(source="order_type")
    time_in_force = StrictCharField()
    price = AmountField(allow_null=True)
    stop_price = AmountField(allow_null=True)
    quantity = AmountField()
    filled_quantity = AmountField()
    average_price = AmountField(allow_null=True)
    reduce_only = StrictBooleanField()
    status = LowerField()
    client_order_id = StrictCharField()
    venue_order_id = StrictCharField()
    error = StrictCharField()
    created_at = IsoZDateTimeField()
    updated_at = IsoZDateTimeField()


class ViolationOutput(serializers.Serializer):
    rule = StrictCharField()
    message = StrictCharField()


class DecisionOutput(serializers.Serializer):
    approved = StrictBooleanField()
    entry_price = StrictCharField(help_text="The price the loop measured from (the market's for a market entry).")
    quantity = StrictCharField()
    max_quantity = StrictCharField()
    size_limits = serializers.DictField(child=StrictCharField())
    risk_amount = StrictCharField(allow_null=True)
    risk_reward = StrictCharField(allow_null=True)
    drawdown_percent = StrictCharField()
    violations = ViolationOutput(many=True)


class TradeGroupOutput(serializers.Serializer):
    id = StrictUUIDField()
    status = LowerField(help_text="pending, open, active, closed, cancelled or failed.")
    exchange_account_id = StrictUUIDField()
    symbol = StrictCharField()
    side = StrictCharField()
    entry_type = StrictCharField()
    entry_price = AmountField(allow_null=True)
    quantity = AmountField()
    stop_loss_price = AmountField(allow_null=True)
    leverage = StrictIntegerField()
    break_even = StrictBooleanField()
    break_even_done = StrictBooleanField()
    filled_quantity = AmountField()
    average_entry_price = AmountField(allow_null=True)
    closed_quantity = AmountField()
    realized_pnl = AmountField()
    close_reason = StrictCharField()
    idempotency_key = StrictCharField()
    decision = DecisionOutput()
    orders = OrderOutput(many=True)
    created_at = IsoZDateTimeField()
    updated_at = IsoZDateTimeField()
    closed_at = IsoZDateTimeField(allow_null=True)


class TradeGroupPageOutput(serializers.Serializer):
    data = TradeGroupOutput(many=True)
    pagination = PaginationSerializer()


class GhostOrderOutput(serializers.Serializer):
    account_id = StrictUUIDField()
    order_id = StrictUUIDField(allow_null=True, help_text="The platform's order, when it has one.")
    client_order_id = StrictCharField(allow_null=True)
    venue_order_id = StrictCharField()
    symbol = StrictCharField()
    side = StrictCharField()
    type = StrictCharField()
    price = AmountField(allow_null=True)
    stop_price = AmountField(allow_null=True)
    quantity = AmountField()
    reason = StrictChoiceField(choices=["unknown", "ended"])


class CleanupErrorOutput(serializers.Serializer):
    account_id = StrictUUIDField()
    message = StrictCharField()


class CleanupOutput(serializers.Serializer):
    cancelled = StrictIntegerField()
    orders = GhostOrderOutput(many=True)
    errors = CleanupErrorOutput(many=True)


class RiskRejectedErrorOutput(serializers.Serializer):
    code = StrictCharField()
    message = StrictCharField()
    details = DecisionOutput()


class RiskRejectedOutput(serializers.Serializer):
    error = RiskRejectedErrorOutput()


# --- views ------------------------------------------------------------------------------------


def _status_list_pattern() -> str:
    """`parse_group_statuses`'s grammar as a pattern: names in any case, spaces around commas."""
    names = "|".join("".join(f"[{c.lower()}{c.upper()}]" for c in name) for name in [*GROUP_STATUS_FILTERS, "all"])
    item = rf"[ \t]*({names})[ \t]*"
    return rf"^({item}(,{item})*|[ \t]*)$"


GROUP_ID = OpenApiParameter("group_id", str, OpenApiParameter.PATH, description="Trade group id (UUID).")
CHANGE_ERRORS = error_responses(Family.DESK, 400, 401, 403, 404, 409, 502)


def _group(user: Any, group_id: str) -> Response:
    return Response(present_group(trade_group_for(user=user, group_id=group_id)))


class TradeGroupListView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="trades_list",
        summary="Your trade groups, newest first (the ones still trading unless ?status= says otherwise)",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                pattern=_status_list_pattern(),
                description="Comma list of pending, open, active, closed, cancelled, failed; or all (any case).",
            ),
            *page_parameters(),
        ],
        responses={200: TradeGroupPageOutput, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        statuses = parse_group_statuses(request.query_params.get("status"))
        paginator = DeskPagination()
        page = paginator.paginate_queryset(trade_groups_for(user=request.user, statuses=statuses), request, self)
        return paginator.get_paginated_response(TradeGroupOutput(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="trades_create",
        summary="Open a trade: entry, stop-loss and take-profit ladder, through the decision loop",
        description=(
            "409 POSITION_CONFLICT, nothing saved or sent, when the entry would meet a position on the "
            "other side or live standalone orders (/api/orders) that would leave the group's stop and "
            "targets larger than the position it holds."
        ),
        request=TradeInput,
        responses={
            201: TradeGroupOutput,
            200: OpenApiResponse(TradeGroupOutput, description="A replay of an earlier request with the same key"),
            422: OpenApiResponse(
                RiskRejectedOutput, description="The decision loop rejected the trade (RISK_REJECTED)"
            ),
            **error_responses(Family.DESK, 400, 401, 403, 404, 409, 429, 502),
        },
    )
    def post(self, request: Request) -> Response:
        data = TradeInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        key = fields.pop("idempotency_key", "") or ""
        group, created = services.open_trade_group(user=request.user, data=fields, idempotency_key=key)
        if created and group.known_orders is not None:
            # The group and its orders as this request left them: nothing to read back.
            body = present_group(group, group.known_orders)
        else:
            body = present_group(trade_group_for(user=request.user, group_id=group.id))
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TradeGroupDetailView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="trades_retrieve",
        parameters=[GROUP_ID],
        responses={200: TradeGroupOutput, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def get(self, request: Request, group_id: str) -> Response:
        return _group(request.user, group_id)

    @extend_schema(
        tags=TAGS,
        operation_id="trades_destroy",
        summary="Cancel the whole group; an open position is closed with a reduce-only market order",
        parameters=[GROUP_ID],
        responses={200: TradeGroupOutput, **error_responses(Family.DESK, 401, 403, 404, 502)},
    )
    def delete(self, request: Request, group_id: str) -> Response:
        group = trade_group_for(user=request.user, group_id=group_id)
        changes.close_trade_group(user=request.user, group_id=group.id)
        return _group(request.user, group.id)


class StopLossView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="trades_stop_loss_update",
        parameters=[GROUP_ID],
        request=StopLossInput,
        responses={200: TradeGroupOutput, **CHANGE_ERRORS},
    )
    def put(self, request: Request, group_id: str) -> Response:
        group = trade_group_for(user=request.user, group_id=group_id)
        data = StopLossInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes.update_stop_loss(user=request.user, group_id=group.id, **data.validated_data)
        return _group(request.user, group.id)


class TakeProfitView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="trades_take_profit_update",
        parameters=[GROUP_ID],
        request=TakeProfitsInput,
        responses={200: TradeGroupOutput, **CHANGE_ERRORS},
    )
    def put(self, request: Request, group_id: str) -> Response:
        group = trade_group_for(user=request.user, group_id=group_id)
        data = TakeProfitsInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes.update_take_profits(user=request.user, group_id=group.id, targets=data.validated_data["take_profit"])
        return _group(request.user, group.id)


class BreakEvenView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="trades_break_even_update",
        parameters=[GROUP_ID],
        request=BreakEvenInput,
        responses={200: TradeGroupOutput, **CHANGE_ERRORS},
    )
    def put(self, request: Request, group_id: str) -> Response:
        group = trade_group_for(user=request.user, group_id=group_id)
        data = BreakEvenInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes.set_break_even(user=request.user, group_id=group.id, enabled=data.validated_data["enabled"])
        return _group(request.user, group.id)


class CleanupView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="trades_cleanup",
        summary="Cancel ghost orders: venue orders no live platform order accounts for",
        request=None,
        responses={200: CleanupOutput, **error_responses(Family.DESK, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        return Response(CleanupOutput(cleanup_ghost_orders(user=request.user)).data)


urlpatterns = [
    path("trades", TradeGroupListView.as_view(), name="trades"),
    path("trades/cleanup", CleanupView.as_view(), name="trades-cleanup"),
    path("trades/<str:group_id>", TradeGroupDetailView.as_view(), name="trade"),
    path("trades/<str:group_id>/sl", StopLossView.as_view(), name="trade-stop-loss"),
    path("trades/<str:group_id>/tp", TakeProfitView.as_view(), name="trade-take-profit"),
    path("trades/<str:group_id>/breakeven", BreakEvenView.as_view(), name="trade-break-even"),
]
