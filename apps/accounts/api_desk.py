"""Seed 003's auth endpoints under /api/v1/auth: SIWE, extension pairing, sessions."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.cookies import clear_session_cookies, client_info, refresh_from_cookie, set_session_cookies
from apps.accounts.serializers import (
    DeskSessionSerializer,
    DeskUserSerializer,
    ExtensionRefreshInputSerializer,
    MessageSerializer,
    NonceSerializer,
    PairingClaimSerializer,
    PairingCodeSerializer,
    RevokedSerializer,
    SiweInputSerializer,
    TokensEnvelopeSerializer,
    desk_user_body,
)
from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses

ACCESS_COOKIE = "access_token"
TAGS = ["auth (seed 003)"]


def _desk_session(request: Request, tokens: services.IssuedTokens) -> Response:
    response = Response({"user": DeskUserSerializer(tokens.session.user).data, "expires_in": tokens.expires_in})
    set_session_cookies(response, tokens, access_cookie=ACCESS_COOKIE, request=request)
    return response


def _token_pair(tokens: services.IssuedTokens, *, status_code: int = 200) -> Response:
    body = {
        "tokens": {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_in": tokens.expires_in,
        }
    }
    return Response(body, status=status_code)


class _Public(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class NonceView(_Public):
    throttle_scope = "nonce"

    @extend_schema(tags=TAGS, responses={200: NonceSerializer, **error_responses(Family.DESK, 429)}, auth=[])
    def get(self, request: Request) -> Response:
        return Response(
            {"nonce": services.issue_siwe_nonce(), "expires_in": int(settings.SIWE_NONCE_TTL.total_seconds())}
        )


class VerifySiweView(_Public):
    throttle_scope = "login"

    @extend_schema(
        tags=TAGS,
        request=SiweInputSerializer,
        responses={200: DeskSessionSerializer, **error_responses(Family.DESK, 400, 401, 403, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = SiweInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _desk_session(
            request, services.sign_in_with_ethereum(**data.validated_data, client=client_info(request))
        )


class RefreshView(_Public):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: DeskSessionSerializer, **error_responses(Family.DESK, 401, 403)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return _desk_session(request, refresh_from_cookie(request))


class ExtensionRefreshView(_Public):
    @extend_schema(
        tags=TAGS,
        request=ExtensionRefreshInputSerializer,
        responses={200: TokensEnvelopeSerializer, **error_responses(Family.DESK, 400, 401, 403)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = ExtensionRefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _token_pair(services.refresh_session(raw_refresh_token=data.validated_data["refresh_token"]))


class PairExtensionView(APIView):
    throttle_scope = "pairing"

    @extend_schema(
        tags=TAGS, request=None, responses={201: PairingCodeSerializer, **error_responses(Family.DESK, 401, 403, 429)}
    )
    def post(self, request: Request) -> Response:
        issued = services.create_pairing_code(user=request.user)
        body = {
            "code": issued.code,
            "expires_in": int(settings.PAIRING_CODE_TTL.total_seconds()),
            "expires_at": issued.expires_at,
        }
        return Response(PairingCodeSerializer(body).data, status=status.HTTP_201_CREATED)


class ExtensionPairView(_Public):
    throttle_scope = "pairing"

    @extend_schema(
        tags=TAGS,
        request=PairingClaimSerializer,
        responses={200: TokensEnvelopeSerializer, **error_responses(Family.DESK, 400, 401, 403, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = PairingClaimSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _token_pair(services.claim_pairing_code(code=data.validated_data["code"], client=client_info(request)))


class MeView(APIView):
    @extend_schema(tags=TAGS, responses={200: DeskUserSerializer, **error_responses(Family.DESK, 401, 403)})
    def get(self, request: Request) -> Response:
        return Response(desk_user_body(request.user))


class LogoutView(APIView):
    @extend_schema(
        tags=TAGS,
        request=None,
        description="403 NO_SESSION for a personal API token: it is not a session (revoke it instead).",
        responses={200: MessageSerializer, **error_responses(Family.DESK, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        # Well formed, but this credential has no session to end: refused, not malformed.
        if request.auth.session is None:
            raise ApiError(status=403, code="NO_SESSION", message="An API token is not a session; revoke it instead.")
        services.revoke_session(session=request.auth.session, reason="logout")
        response = Response({"message": "Logged out"})
        clear_session_cookies(response)
        return response


class RevokeAllView(APIView):
    @extend_schema(
        tags=TAGS, request=None, responses={200: RevokedSerializer, **error_responses(Family.DESK, 401, 403)}
    )
    def post(self, request: Request) -> Response:
        response = Response({"revoked": services.revoke_all_sessions(user=request.user, reason="revoke_all")})
        clear_session_cookies(response)
        return response
