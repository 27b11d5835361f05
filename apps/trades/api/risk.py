"""Seed 003's risk config: `GET|PUT /api/v1/risk-config`.

The eight fields are rendered as JSON numbers, as the seed's example writes them. DRF's JSON
encoder turns a Decimal into a double, which is lossless here because the service accepts at
most 15 significant digits per value (and the columns hold at most 3 decimals for percentages
and ratios). PUT replaces the whole config: every field is required, an unknown field is a 400.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.trades.services.risk import RISK_CONFIG_FIELDS, risk_config_for, update_risk_config

TAGS = ["risk (seed 003)"]


def _number(**kwargs: object) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=None, coerce_to_string=False, **kwargs)


class RiskConfigSerializer(serializers.Serializer):
    account_risk_percent = _number(help_text="Percent of equity risked per trade, in (0, 100].")
    max_risk_amount = _number(help_text="Most a trade may lose at its stop, in the quote asset (> 0).")
    max_position_size = _number(
        allow_null=True,
        help_text="Largest position, in the symbol's base asset (> 0); null (the default) sets no cap.",
    )
    max_leverage = serializers.IntegerField(help_text="1 to 125.")
    daily_max_drawdown_percent = _number(
        help_text="Loss from the day's starting equity that stops trading, in (0, 100]."
    )
    max_open_positions = serializers.IntegerField(help_text="At least 1.")
    require_stop_loss = serializers.BooleanField()
    min_risk_reward_ratio = _number(help_text="Minimum reward:risk of a trade's take-profits (> 0).")

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(RISK_CONFIG_FIELDS))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


class RiskConfigView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        operation_id="risk_config_retrieve",
        responses={200: RiskConfigSerializer, **error_responses(Family.DESK, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(RiskConfigSerializer(risk_config_for(user=request.user)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="risk_config_update",
        request=RiskConfigSerializer,
        responses={200: RiskConfigSerializer, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def put(self, request: Request) -> Response:
        data = RiskConfigSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        config = update_risk_config(user=request.user, data=data.validated_data)
        return Response(RiskConfigSerializer(config).data)


urlpatterns = [path("risk-config", RiskConfigView.as_view(), name="risk-config")]
