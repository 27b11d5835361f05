"""Seed 003's risk config: `GET|PUT /api/v1/risk-config`.

The eight fields are rendered as JSON numbers, as the seed's example writes them. DRF's JSON
encoder turns a Decimal into a double, which is lossless here because the service accepts at
most 15 significant digits per value (and the columns hold at most 3 decimals for percentages
and ratios). PUT replaces the whole config: every field is required, an unknown field is a 400.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.core.errors import Family
from apps.core.fields import StrictBooleanField, StrictIntegerField, StrictNumberField, schema_field
from apps.core.openapi import error_responses, number_or_numeral
from apps.trades.services.risk import (
    MAX_LEVERAGE,
    RISK_CONFIG_FIELDS,
    risk_config_for,
    update_risk_config,
)

TAGS = ["risk (seed 003)"]
# The column is a PositiveSmallIntegerField.
MAX_OPEN_POSITIONS = 32767


# The bounds below are the service's rules and the columns' widths, stated so the schema says
# what is accepted; the service checks them (and reports every field at once), not the fields.


def _number(*, maximum: int, inclusive: bool = False, **kwargs: Any) -> serializers.Field:
    """A positive number below `maximum` (or up to it, `inclusive`), or the same as a decimal
    string. The columns' decimal places (3 for percentages and ratios) are in the description:
    JSON Schema cannot state them for binary floating-point numbers."""
    number = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": maximum}
    if not inclusive:
        number["exclusiveMaximum"] = True
    return schema_field(StrictNumberField, number_or_numeral(number), numerals=True, **kwargs)


def _count(*, maximum: int, **kwargs: Any) -> serializers.Field:
    return schema_field(StrictIntegerField, {"type": "integer", "minimum": 1, "maximum": maximum}, **kwargs)


class RiskConfigSerializer(serializers.Serializer):
    # PUT replaces the whole config: a field the service does not know is a 400.
    request_schema = {"additionalProperties": False}

    account_risk_percent = _number(
        maximum=100, inclusive=True, help_text="Percent of equity risked per trade, in (0, 100], 3 decimals."
    )
    max_risk_amount = _number(maximum=10**20, help_text="Most a trade may lose at its stop, in the quote asset (> 0).")
    max_position_size = _number(
        maximum=10**20,
        allow_null=True,
        help_text="Largest position, in the symbol's base asset (> 0); null (the default) sets no cap.",
    )
    max_leverage = _count(maximum=MAX_LEVERAGE, help_text="1 to 125.")
    daily_max_drawdown_percent = _number(
        maximum=100,
        inclusive=True,
        help_text="Loss from the day's starting equity that stops trading, in (0, 100], 3 decimals.",
    )
    max_open_positions = _count(maximum=MAX_OPEN_POSITIONS, help_text="At least 1.")
    require_stop_loss = StrictBooleanField()
    min_risk_reward_ratio = _number(
        maximum=100_000, help_text="Minimum reward:risk of a trade's take-profits (> 0), 3 decimals."
    )

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
