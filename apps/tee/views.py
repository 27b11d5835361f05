"""/api/v1/tee/*: the seed 000 proxy to the TEE gateway. Thin: the init rules are in jobs.py, the
gateway is reached only through gateway_client.py, and its status and body are passed through."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses
from apps.core.wallet_auth import WALLET_AUTH_PARAMETERS, WalletSignedView, wallet_signed_write
from apps.tee import gateway_client
from apps.tee.jobs import checked_init_body, parse_tee_job_id
from apps.tee.verification import verify_report

TAG = "tee"
_PASSED_THROUGH = "The gateway's status and body are passed through; 502/504 when it is down or slow."
DEV_NOTE = "no hardware quote exists for a dev gateway; the enclave signature was checked against its key"


def _passed(answer: gateway_client.GatewayAnswer) -> Response:
    return Response(answer.body, status=answer.status)


class _Public(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class AttestationView(_Public):
    @extend_schema(tags=[TAG], auth=[], summary="The enclave's public key and attestation", description=_PASSED_THROUGH)
    def get(self, request: Request) -> Response:
        return _passed(gateway_client.attestation())


class JobInitView(WalletSignedView):
    class InitSerializer(serializers.Serializer):
        job_id = serializers.CharField(max_length=80)
        encrypted_api_key = serializers.CharField(max_length=16384)
        params = serializers.DictField()
        deadline = serializers.IntegerField(min_value=0)

    @extend_schema(
        tags=[TAG],
        auth=[],
        summary="Initialise a CEX_CAPITAL job's TEE task",
        description="Wallet signature, scope `tee-jobs`, by the job's on-chain client. The job must be "
        "CEX_CAPITAL and FUNDED, and `deadline` its on-chain deadline. " + _PASSED_THROUGH,
        parameters=WALLET_AUTH_PARAMETERS,
        request=InitSerializer,
        responses={200: dict, **error_responses(Family.JOBS, 400, 401, 403, 404, 409, 502, 504)},
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ApiError(status=400, code="VALIDATION_ERROR", message="The body must be a JSON object.")
        body = self.InitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        raw_job_id = body.validated_data["job_id"]
        number = parse_tee_job_id(raw_job_id, name="job_id")

        def forward(signer: str) -> Response:
            checked = checked_init_body(signer=signer, number=number, body=body.validated_data)
            return _passed(gateway_client.init_job(checked))

        return wallet_signed_write(
            request, scope="tee-jobs", job_id=raw_job_id, write=forward, accept_seed_message=True
        )


class OrderView(_Public):
    @extend_schema(
        tags=[TAG],
        auth=[],
        summary="Submit a provider-signed order",
        description="No HTTP auth: the TEE checks `provider_signature` (EIP-191 over "
        "`AACP:tee-order:<jobId>:<symbol>:<side>:<quantity>:<price>:<nonce>`). " + _PASSED_THROUGH,
        request=dict,
        responses={200: dict, **error_responses(Family.JOBS, 400, 401, 404, 409, 502, 504)},
    )
    def post(self, request: Request, job_id: str) -> Response:
        parse_tee_job_id(job_id)
        if not isinstance(request.data, dict):
            raise ApiError(status=400, code="VALIDATION_ERROR", message="The body must be a JSON object.")
        return _passed(gateway_client.place_order(job_id, request.data))


class StatusView(_Public):
    @extend_schema(
        tags=[TAG],
        auth=[],
        summary="A job's TEE status",
        description="`?verify=true` checks `enclave_signature` against the attested key and adds "
        "`verification`. " + _PASSED_THROUGH,
        parameters=[OpenApiParameter("verify", bool, required=False)],
        responses={200: dict, **error_responses(Family.JOBS, 400, 404, 502, 504)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        parse_tee_job_id(job_id)
        answer = gateway_client.status(job_id)
        if answer.status != 200 or request.query_params.get("verify", "").lower() not in ("true", "1"):
            return _passed(answer)
        return Response({**answer.body, "verification": _verification(answer.body)})


def _verification(status: dict[str, Any]) -> dict[str, Any]:
    attested = gateway_client.attestation()
    if attested.status != 200 or not isinstance(attested.body, dict) or "tee_pubkey" not in attested.body:
        raise ApiError(status=502, code="TEE_GATEWAY_BAD_RESPONSE", message="The gateway's attestation is unreadable.")
    kind = attested.body.get("attestation_type")
    result: dict[str, Any] = {
        "valid": verify_report(status, tee_pubkey=attested.body["tee_pubkey"]),
        "attestation_type": kind,
        "tee_pubkey": attested.body["tee_pubkey"],
    }
    if kind == "dev":
        result["note"] = DEV_NOTE
    else:
        result["note"] = "the enclave signature was checked; the hardware quote was not (dcap-qvl is not wired yet)"
    return result
