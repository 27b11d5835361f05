"""GET /api/v1/config: where the contracts are and what the offers API asks of a provider."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses
from apps.jobs.api.freshness import IndexedBlockHeaders
from apps.jobs.api.params import TAG
from apps.jobs.offers import MIN_PROVIDER_STAKE, MIN_REPUTATION
from apps.jobs.selectors import deployed_contracts
from apps.jobs.serializers import ConfigEnvelopeSerializer


class ConfigView(IndexedBlockHeaders, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        auth=[],
        responses={200: ConfigEnvelopeSerializer, **error_responses(Family.JOBS, 503)},
    )
    def get(self, request: Request) -> Response:
        contracts = deployed_contracts(chain_id=settings.CHAIN_ID)
        if not contracts:
            raise ApiError(
                status=503,
                code="CONTRACTS_NOT_DEPLOYED",
                message=f"The agent-jobs contracts are not deployed on chain {settings.CHAIN_ID} yet.",
            )
        data = {
            "chainId": settings.CHAIN_ID,
            "rpcUrl": settings.PUBLIC_RPC_URL,
            "contracts": contracts,
            "usdcDecimals": 6,
            "minProviderStake": str(MIN_PROVIDER_STAKE),
            "minReputation": MIN_REPUTATION,
        }
        return Response({"success": True, "data": data})
