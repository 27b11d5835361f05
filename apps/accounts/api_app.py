"""Seed 004's auth, admin and personal-token endpoints under /api (cookie `auth_token`)."""

from __future__ import annotations

import re

from django.http import HttpResponseRedirect
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.cookies import clear_session_cookies, client_info, refresh_from_cookie, set_session_cookies
from apps.accounts.models import User
from apps.accounts.navigation import is_site_path, to_sign_in
from apps.accounts.permissions import IsActiveAccount, IsAdmin
from apps.accounts.serializers import (
    AdminUserListSerializer,
    AdminUserUpdateSerializer,
    ApiTokenCreatedSerializer,
    ApiTokenStateSerializer,
    AppSessionSerializer,
    AppUserEnvelopeSerializer,
    AppUserSerializer,
    CredentialsSerializer,
    MessageSerializer,
    RegisterResponseSerializer,
    RegistrationSerializer,
    app_user_body,
)
from apps.core.errors import ApiError, Family
from apps.core.openapi import error_responses

# A path on this site in printable ASCII (how browsers send one), never `//host` or `/\\host`,
# which browsers read as another origin. The schema states the same pattern as the check.
CALLBACK_PATTERN = r"^(/([!-.0-\[\]-~][!-~]*)?)?$"
PENDING_MESSAGE = "Registration successful. Your account is pending admin approval."
ACCESS_COOKIE = "auth_token"
TAGS = ["auth (seed 004)"]


def _session_body(user: User, access_token: str) -> dict:
    return {"user": AppUserSerializer(user).data, "accessToken": access_token}


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "register"

    @extend_schema(
        tags=TAGS,
        request=RegistrationSerializer,
        responses={201: RegisterResponseSerializer, **error_responses(Family.APP, 400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = RegistrationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.register_user(**data.validated_data, client=client_info(request))
        if result.pending:
            return Response({"message": PENDING_MESSAGE}, status=status.HTTP_201_CREATED)
        response = Response(_session_body(result.user, result.tokens.access_token), status=status.HTTP_201_CREATED)
        set_session_cookies(response, result.tokens, access_cookie=ACCESS_COOKIE, request=request)
        return response


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "login"

    @extend_schema(
        tags=TAGS,
        request=CredentialsSerializer,
        responses={200: AppSessionSerializer, **error_responses(Family.APP, 400, 401, 403, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.sign_in_with_password(**data.validated_data, client=client_info(request))
        response = Response(_session_body(tokens.session.user, tokens.access_token))
        set_session_cookies(response, tokens, access_cookie=ACCESS_COOKIE, request=request)
        return response


class LogoutView(APIView):
    @extend_schema(tags=TAGS, request=None, responses={200: MessageSerializer, **error_responses(Family.APP, 401, 403)})
    def post(self, request: Request) -> Response:
        if request.auth.session is not None:
            services.revoke_session(session=request.auth.session, reason="logout")
        response = Response({"message": "Logged out"})
        clear_session_cookies(response)
        return response


class MeView(APIView):
    @extend_schema(tags=TAGS, responses={200: AppUserEnvelopeSerializer, **error_responses(Family.APP, 401, 403)})
    def get(self, request: Request) -> Response:
        return Response({"user": app_user_body(request.user)})


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "callbackUrl", str, required=False, pattern=CALLBACK_PATTERN, description="A path on this site"
            )
        ],
        responses={
            (302, "text/html"): OpenApiResponse(description="Redirect to callbackUrl with a refreshed auth_token"),
            **error_responses(Family.APP, 400),
        },
        auth=[],
    )
    def get(self, request: Request) -> HttpResponseRedirect:
        callback = request.query_params.get("callbackUrl") or "/"
        if not (re.fullmatch(CALLBACK_PATTERN, callback) and is_site_path(callback)):
            raise ApiError(status=400, message="callbackUrl must be a path on this site.")
        try:
            tokens = refresh_from_cookie(request)
        except ApiError:
            # The browser flow ends at the sign-in page rather than on a JSON error.
            response = to_sign_in(callback)
            clear_session_cookies(response)
            return response
        response = HttpResponseRedirect(callback)
        set_session_cookies(response, tokens, access_cookie=ACCESS_COOKIE, request=request)
        return response

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: AppUserEnvelopeSerializer, **error_responses(Family.APP, 401, 403)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        tokens = refresh_from_cookie(request)
        response = Response({"user": AppUserSerializer(tokens.session.user).data})
        set_session_cookies(response, tokens, access_cookie=ACCESS_COOKIE, request=request)
        return response


class AdminUserListView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["admin (seed 004)"], responses={200: AdminUserListSerializer, **error_responses(Family.APP, 401, 403)}
    )
    def get(self, request: Request) -> Response:
        return Response({"users": AppUserSerializer(selectors.users_for_admin(), many=True).data})


class AdminUserDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["admin (seed 004)"],
        request=AdminUserUpdateSerializer,
        responses={200: AppUserEnvelopeSerializer, **error_responses(Family.APP, 400, 401, 403, 404)},
    )
    def patch(self, request: Request, userId: str) -> Response:
        data = AdminUserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(pk=userId).first()
        if user is None:
            raise ApiError(status=404, message="No such user.")
        user = services.set_user_access(user=user, actor=request.user, **data.validated_data)
        return Response({"user": AppUserSerializer(user).data})


class ApiTokenView(APIView):
    permission_classes = [IsActiveAccount]

    @extend_schema(
        tags=["user (seed 004)"], responses={200: ApiTokenStateSerializer, **error_responses(Family.APP, 401, 403)}
    )
    def get(self, request: Request) -> Response:
        token = getattr(request.user, "api_token", None)
        if token is None:
            return Response({"exists": False})
        return Response(ApiTokenStateSerializer({"exists": True, "createdAt": token.created_at}).data)

    @extend_schema(
        tags=["user (seed 004)"],
        request=None,
        responses={201: ApiTokenCreatedSerializer, **error_responses(Family.APP, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        return Response({"token": services.create_api_token(user=request.user)}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["user (seed 004)"], responses={200: MessageSerializer, **error_responses(Family.APP, 401, 403, 404)}
    )
    def delete(self, request: Request) -> Response:
        if not services.revoke_api_token(user=request.user):
            raise ApiError(status=404, message="There is no API token to revoke.")
        return Response({"message": "Token revoked"})
