"""/api/v1/tee/*: the seed 000 proxy to the TEE gateway. Thin: requests are validated here, the
init rules are in jobs.py, the gateway is reached only through gateway_client.py, and its status
and body are passed through."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses
from apps.core.wallet_auth import WALLET_AUTH_PARAMETERS, WalletSignedView, wallet_signed_write
from apps.tee import gateway_client
from apps.tee.jobs import checked_init_body, parse_tee_job_id
from apps.tee.quotes import check_quote
from apps.tee.serializers import (
    JOB_ID_PATTERN,
    TeeAttestationSerializer,
    TeeJobInitResultSerializer,
    TeeJobInitSerializer,
    TeeOrderResultSerializer,
    TeeOrderSerializer,
    TeeStatusSerializer,
)
from apps.tee.verification import verify_report

TAG = "tee"
_PASSED_THROUGH = (
    "The gateway's status and body are passed through. 502 when the gateway cannot be reached, "
    "504 when it does not answer in time, 503 when none is configured."
)
DEV_NOTE = "no hardware quote exists for a dev gateway; the enclave signature was checked against its key"
JOB_ID_PARAMETER = OpenApiParameter(
    "job_id", str, OpenApiParameter.PATH, pattern=JOB_ID_PATTERN, description="bytes32 hex or the decimal job id"
)
_GATEWAY_ERRORS = (502, 503, 504)


def _passed(answer: gateway_client.GatewayAnswer) -> Response:
    return Response(answer.body, status=answer.status)


def _valid(serializer_class: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise ApiError(status=400, code="VALIDATION_ERROR", message="The body must be a JSON object.")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _Public(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class AttestationView(_Public):
    @extend_schema(
        tags=[TAG],
        auth=[],
        operation_id="tee_attestation",
        summary="The enclave's public key and attestation",
        description=_PASSED_THROUGH,
        responses={200: TeeAttestationSerializer, **error_responses(Family.JOBS, *_GATEWAY_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        return _passed(gateway_client.attestation())


class JobInitView(WalletSignedView):
    @extend_schema(
        tags=[TAG],
        auth=[],
        operation_id="tee_jobs_create",
        summary="Initialise a CEX_CAPITAL job's TEE task",
        description="Wallet signature, scope `tee-jobs`, by the job's on-chain client (the seed's bare "
        "`AACP:tee-jobs:<jobId>:<timestamp_ms>` is accepted). The job must be CEX_CAPITAL and FUNDED, "
        "and `deadline` its on-chain deadline. " + _PASSED_THROUGH,
        parameters=WALLET_AUTH_PARAMETERS,
        request=TeeJobInitSerializer,
        responses={
            200: TeeJobInitResultSerializer,
            **error_responses(Family.JOBS, 400, 401, 403, 404, 409, *_GATEWAY_ERRORS),
        },
    )
    def post(self, request: Request) -> Response:
        body = _valid(TeeJobInitSerializer, request.data)
        number = parse_tee_job_id(body["job_id"], name="job_id")

        def forward(signer: str) -> Response:
            checked = checked_init_body(signer=signer, number=number, body=body)
            return _passed(gateway_client.init_job(checked))

        return wallet_signed_write(
            request, scope="tee-jobs", job_id=body["job_id"], write=forward, accept_seed_message=True
        )


class OrderView(_Public):
    @extend_schema(
        tags=[TAG],
        auth=[],
        operation_id="tee_jobs_orders_create",
        summary="Submit a provider-signed order",
        description="No HTTP auth: the TEE checks `provider_signature`. " + _PASSED_THROUGH,
        parameters=[JOB_ID_PARAMETER],
        request=TeeOrderSerializer,
        responses={
            200: TeeOrderResultSerializer,
            **error_responses(Family.JOBS, 400, 401, 404, 409, *_GATEWAY_ERRORS),
        },
    )
    def post(self, request: Request, job_id: str) -> Response:
        parse_tee_job_id(job_id)
        _valid(TeeOrderSerializer, request.data)
        # The body as the provider sent it: the signature covers its strings exactly.
        return _passed(gateway_client.place_order(job_id, request.data))


class StatusView(_Public):
    @extend_schema(
        tags=[TAG],
        auth=[],
        operation_id="tee_jobs_status",
        summary="A job's TEE status",
        description="`?verify=true` checks `enclave_signature` against the attested key and adds "
        "`verification`. " + _PASSED_THROUGH,
        parameters=[JOB_ID_PARAMETER, OpenApiParameter("verify", bool, required=False)],
        responses={200: TeeStatusSerializer, **error_responses(Family.JOBS, 400, 404, *_GATEWAY_ERRORS)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        parse_tee_job_id(job_id)
        raw_verify = request.query_params.get("verify")
        if raw_verify not in (None, "true", "false"):
            raise ApiError(status=400, code="VALIDATION_ERROR", message="verify must be true or false.")
        verify = raw_verify == "true"
        answer = gateway_client.status(job_id)
        if answer.status != 200 or not verify or not isinstance(answer.body, dict):
            return _passed(answer)
        return Response({**answer.body, "verification": _verification(answer.body)})


def _verification(status: dict[str, Any]) -> dict[str, Any]:
    attested = gateway_client.attested_key()
    if attested is None:
        raise ApiError(status=502, code="TEE_GATEWAY_BAD_RESPONSE", message="The gateway's attestation is unreadable.")
    kind = attested.attestation_type
    quote = check_quote(quote_hex=attested.quote, tee_pubkey=attested.tee_pubkey)
    return {
        "valid": verify_report(status, tee_pubkey=attested.tee_pubkey),
        "attestation_type": kind,
        "tee_pubkey": attested.tee_pubkey,
        "quote": quote.as_json(),
        "note": DEV_NOTE if kind == "dev" else f"the enclave signature was checked; the hardware quote: {quote.detail}",
    }
