"""Seed 003's exchange endpoints under /api/v1/exchanges: the exchanges on offer, the trader's
accounts (add, test, balance, positions, remove) and Hyperliquid agent wallets."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import CanTrade
from apps.accounts.serializers import MessageSerializer
from apps.core.errors import Family
from apps.core.openapi import error_responses
from apps.exchanges import selectors, services
from apps.exchanges.serializers import (
    AddExchangeAccountSerializer,
    AgentApprovalSerializer,
    AgentWalletSerializer,
    ApproveAgentWalletSerializer,
    BalanceListSerializer,
    ConnectionCheckSerializer,
    ExchangeAccountListSerializer,
    ExchangeAccountSerializer,
    ExchangeListSerializer,
    InitAgentWalletSerializer,
    PositionListSerializer,
    SupportedExchangesSerializer,
)

TAGS = ["exchanges (seed 003)"]
ACCOUNT_ID = OpenApiParameter("account_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Exchange account id")
WALLET_ID = OpenApiParameter("wallet_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Agent wallet id")
# What a live read through an exchange can answer besides 200.
VENUE_ERRORS = (400, 401, 403, 404, 429, 502)


class ExchangeListView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Exchanges a trader can connect, with what each needs",
        description="`paper` first; `kind` says how an account is connected (AGENT_WALLET for Hyperliquid).",
        responses={200: ExchangeListSerializer, **error_responses(Family.DESK, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        listings = [asdict(listing) for listing in selectors.available_exchanges()]
        return Response(ExchangeListSerializer({"exchanges": listings}).data)


class SupportedExchangesView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Supported exchange ids",
        responses={200: SupportedExchangesSerializer, **error_responses(Family.DESK, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response({"exchanges": [listing.id for listing in selectors.available_exchanges()]})


class ExchangeAccountListView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Your connected exchange accounts",
        description="Active accounts, oldest first. Credentials are never returned.",
        responses={200: ExchangeAccountListSerializer, **error_responses(Family.DESK, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        accounts = selectors.active_accounts(user=request.user)
        return Response({"accounts": ExchangeAccountSerializer(accounts, many=True).data})

    @extend_schema(
        tags=TAGS,
        summary="Add an exchange account (API key), or a paper account",
        description=(
            '`exchange_name: "paper"` needs no keys and opens a funded paper account. Otherwise the '
            "key is checked by fetching the balance before it is stored (encrypted): 400 "
            "UNSUPPORTED_EXCHANGE, VALIDATION_ERROR naming a missing field (`passphrase` for okx), "
            "EXCHANGE_AUTH_FAILED for a refused key, USE_AGENT_WALLET for hyperliquid; 409 "
            "DUPLICATE_EXCHANGE_ACCOUNT for a key already connected; 429 / 502 when the exchange is "
            "rate limiting or unreachable. A new account starts a trade-history import."
        ),
        request=AddExchangeAccountSerializer,
        examples=[OpenApiExample("paper", value={"exchange_name": "paper", "label": "Demo"}, request_only=True)],
        responses={201: ExchangeAccountSerializer, **error_responses(Family.DESK, 400, 401, 403, 409, 429, 502)},
    )
    def post(self, request: Request) -> Response:
        data = AddExchangeAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.add_exchange_account(user=request.user, **data.validated_data)
        return Response(ExchangeAccountSerializer(account).data, status=status.HTTP_201_CREATED)


class ExchangeAccountDetailView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Remove an exchange account",
        description=(
            "The credentials are wiped; imported trades keep pointing at the account. 409 "
            "ACCOUNT_HAS_OPEN_TRADES while trade groups on it are open."
        ),
        parameters=[ACCOUNT_ID],
        responses={200: MessageSerializer, **error_responses(Family.DESK, 401, 403, 404, 409)},
    )
    def delete(self, request: Request, account_id: str) -> Response:
        account = selectors.account_for(user=request.user, account_id=account_id)
        services.remove_exchange_account(account=account)
        return Response({"message": "Exchange account removed."})


class ExchangeAccountTestView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Test an account's connection",
        description=(
            "Fetches the balance. An exchange failure (refused key, unreachable) is still a 200 with "
            "`ok: false` and the reason, recorded as the account's `last_error`."
        ),
        parameters=[ACCOUNT_ID],
        request=None,
        responses={200: ConnectionCheckSerializer, **error_responses(Family.DESK, 401, 403, 404)},
    )
    def post(self, request: Request, account_id: str) -> Response:
        account = selectors.account_for(user=request.user, account_id=account_id)
        return Response(asdict(services.check_connection(account=account)))


class ExchangeAccountBalanceView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Live balance",
        description="Amounts are decimal strings. 400 EXCHANGE_AUTH_FAILED, 429, 502 from the exchange.",
        parameters=[ACCOUNT_ID],
        responses={200: BalanceListSerializer, **error_responses(Family.DESK, *VENUE_ERRORS)},
    )
    def get(self, request: Request, account_id: str) -> Response:
        account = selectors.account_for(user=request.user, account_id=account_id)
        return Response(BalanceListSerializer({"balances": selectors.live_balances(account=account)}).data)


class ExchangeAccountPositionsView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Open positions",
        description="Quantities are positive with `side` long or short; decimal strings.",
        parameters=[ACCOUNT_ID],
        responses={200: PositionListSerializer, **error_responses(Family.DESK, *VENUE_ERRORS)},
    )
    def get(self, request: Request, account_id: str) -> Response:
        account = selectors.account_for(user=request.user, account_id=account_id)
        return Response(PositionListSerializer({"positions": selectors.live_positions(account=account)}).data)


# --- Hyperliquid agent wallets ---------------------------------------------------------------


class AgentWalletInitView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Generate a Hyperliquid agent wallet",
        description=(
            "Makes the agent keypair server-side (the private key is stored encrypted and never "
            "returned) and answers the approveAgent action with its EIP-712 `typed_data` for the "
            "master wallet to sign. 400 when no master address is given and your account has no "
            "wallet address."
        ),
        request=InitAgentWalletSerializer,
        responses={201: AgentApprovalSerializer, **error_responses(Family.DESK, 400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = InitAgentWalletSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.init_agent_wallet(user=request.user, **data.validated_data)
        body = {
            **AgentWalletSerializer(approval.wallet).data,
            "nonce": approval.nonce,
            "action": approval.action,
            "typed_data": approval.typed_data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class AgentWalletApproveView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Approve an agent wallet with the master wallet's signature",
        description=(
            "The signature must recover to the master address, or 400 SIGNER_NOT_MASTER; 400 "
            "INVALID_SIGNATURE / STALE_NONCE; the approval is then sent to Hyperliquid: its refusal is "
            "400 HYPERLIQUID_REJECTED, an unreachable Hyperliquid 502. On success the wallet is APPROVED "
            "and a `hyperliquid` exchange account exists. 404 for another user's wallet, 409 when it is "
            "not PENDING."
        ),
        request=ApproveAgentWalletSerializer,
        responses={200: AgentWalletSerializer, **error_responses(Family.DESK, 400, 401, 403, 404, 409, 429, 502)},
    )
    def post(self, request: Request) -> Response:
        data = ApproveAgentWalletSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = services.approve_agent_wallet(
            user=request.user,
            wallet_id=data.validated_data["id"],
            signature=data.validated_data["signature"],
            nonce=data.validated_data["nonce"],
        )
        return Response(AgentWalletSerializer(wallet).data)


class AgentWalletRevokeView(APIView):
    permission_classes = [CanTrade]

    @extend_schema(
        tags=TAGS,
        summary="Revoke an agent wallet",
        description=(
            "Wipes the agent's key and removes its exchange account; revoking twice answers the revoked "
            "wallet again. 409 ACCOUNT_HAS_OPEN_TRADES while trade groups on its account are open."
        ),
        parameters=[WALLET_ID],
        responses={200: AgentWalletSerializer, **error_responses(Family.DESK, 401, 403, 404, 409)},
    )
    def delete(self, request: Request, wallet_id: str) -> Response:
        wallet = selectors.agent_wallet_for(user=request.user, wallet_id=wallet_id)
        return Response(AgentWalletSerializer(services.revoke_agent_wallet(wallet=wallet)).data)
