"""Provider offers on a job (seed 002): a public list, wallet-signed submit and withdraw."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.errors import ApiError, Family
from apps.core.fields import StrictRegexField
from apps.core.openapi import error_responses
from apps.core.wallet_auth import WALLET_AUTH_PARAMETERS, WalletSignedView, wallet_signed_write
from apps.jobs.api.freshness import IndexedBlockHeaders
from apps.jobs.api.params import (
    JOB_ID_PARAMETER,
    MAX_STORED_ID,
    POSITIVE_INTEGER,
    TAG,
    AddressField,
    id_parameter,
    job_or_404,
    parse_id,
)
from apps.jobs.offers import submit_offer, withdraw_offer
from apps.jobs.selectors import job_offers
from apps.jobs.serializers import (
    OfferEnvelopeSerializer,
    OfferListEnvelopeSerializer,
    OfferSerializer,
    WithdrawnOfferEnvelopeSerializer,
)

_SIGNING = (
    "Wallet auth: sign the three lines `AACP:offers:<jobId>:<timestamp_ms>`, `<METHOD> <path>` and "
    "`sha256:<hex sha256 of the exact body bytes>`, joined by `\\n`, so the signature authorises this "
    "one request and no other. "
)
_RULES = (
    "The same signed request sent again (same "
    "headers, method, path and body) answers the first success again and changes nothing; the same "
    "signature on another request is 401 WALLET_SIGNATURE_REPLAYED, and while the first is still "
    "running, 409 WALLET_REQUEST_IN_PROGRESS. A refused request does not use its signature up. "
    "Errors: 400 malformed ids or body; 401 wallet auth (WALLET_MESSAGE_UNBOUND: a bare seed message "
    "where the action must be named); 404 JOB_NOT_FOUND / AGENT_NOT_FOUND / "
    "OFFER_NOT_FOUND; 409 JOB_NOT_OPEN (job not "
    "OPEN or FUNDED) / OFFER_NOT_PENDING; 403 SIGNER_NOT_OWNER (signer is not ownerAddress), "
    "NOT_AGENT_OWNER (the chain says ownerAddress does not hold the agent NFT), REPUTATION_TOO_LOW "
    "(< 70), STAKE_TOO_LOW (< 100000000 available), NOT_OFFER_OWNER; 503 CHAIN_UNAVAILABLE."
)


class _ValidatedAgentId(StrictRegexField):
    def __init__(self) -> None:
        super().__init__(POSITIVE_INTEGER, error_messages={"invalid": "must be a positive integer string."})


class OfferListCreateView(IndexedBlockHeaders, WalletSignedView):
    class OfferInputSerializer(serializers.Serializer):
        agentId = _ValidatedAgentId()
        ownerAddress = AddressField()

    @extend_schema(
        tags=[TAG],
        operation_id="jobs_offers_list",
        auth=[],
        summary="A job's provider offers",
        parameters=[JOB_ID_PARAMETER],
        responses={200: OfferListEnvelopeSerializer, **error_responses(Family.JOBS, 400, 404)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        offers = job_offers(job=job_or_404(job_id))
        return Response({"success": True, "data": OfferSerializer(offers, many=True).data})

    @extend_schema(
        tags=[TAG],
        operation_id="jobs_offers_create",
        auth=[],
        summary="Offer to be a job's provider",
        description="201 for a new offer, 200 with the standing record when it was already made. "
        + _SIGNING
        + "The seed's bare `AACP:offers:<jobId>:<timestamp_ms>` is accepted here too: the first request "
        "that uses it fixes its body. " + _RULES,
        parameters=[JOB_ID_PARAMETER, *WALLET_AUTH_PARAMETERS],
        request=OfferInputSerializer,
        examples=[OpenApiExample("offer", value={"agentId": "5", "ownerAddress": "0x" + "ab" * 20}, request_only=True)],
        responses={
            200: OfferEnvelopeSerializer,
            201: OfferEnvelopeSerializer,
            **error_responses(Family.JOBS, 400, 401, 403, 404, 409, 503),
        },
    )
    def post(self, request: Request, job_id: str) -> Response:
        number = parse_id(job_id, name="jobId")
        body = self.OfferInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agent_id = int(body.validated_data["agentId"])

        def submit(signer: str) -> Response:
            job = job_or_404(job_id)
            if agent_id > MAX_STORED_ID:
                raise ApiError(status=404, code="AGENT_NOT_FOUND", message=f"Agent {agent_id} does not exist.")
            offer, created = submit_offer(
                job=job, agent_id=agent_id, owner_address=body.validated_data["ownerAddress"], signer=signer
            )
            return Response({"success": True, "data": OfferSerializer(offer).data}, status=201 if created else 200)

        return wallet_signed_write(request, scope="offers", job_id=str(number), write=submit, accept_seed_message=True)


class OfferWithdrawView(IndexedBlockHeaders, WalletSignedView):
    class WithdrawalInputSerializer(serializers.Serializer):
        ownerAddress = AddressField()

    @extend_schema(
        tags=[TAG],
        operation_id="jobs_offers_destroy",
        auth=[],
        summary="Withdraw a PENDING offer",
        description='JSON body `{"ownerAddress": "0x..."}`: the wallet that made the offer. '
        + _SIGNING
        + "The bare seed message is refused here (401 WALLET_MESSAGE_UNBOUND): it would equally authorise "
        "a submit. " + _RULES,
        parameters=[JOB_ID_PARAMETER, id_parameter("agent_id", "the agent whose offer goes"), *WALLET_AUTH_PARAMETERS],
        request=WithdrawalInputSerializer,
        responses={200: WithdrawnOfferEnvelopeSerializer, **error_responses(Family.JOBS, 400, 401, 403, 404, 409)},
    )
    def delete(self, request: Request, job_id: str, agent_id: str) -> Response:
        number = parse_id(job_id, name="jobId")
        agent_number = parse_id(agent_id, name="agentId")
        body = self.WithdrawalInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)

        def withdraw(signer: str) -> Response:
            job = job_or_404(job_id)
            if agent_number > MAX_STORED_ID:
                raise ApiError(status=404, code="OFFER_NOT_FOUND", message=f"Agent {agent_number} has no offer here.")
            offer = withdraw_offer(
                job=job, agent_id=agent_number, owner_address=body.validated_data["ownerAddress"], signer=signer
            )
            return Response({"success": True, "data": {"agentId": str(offer.agent.agent_id), "status": offer.status}})

        return wallet_signed_write(request, scope="offers", job_id=str(number), write=withdraw)
