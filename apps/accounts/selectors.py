"""Reads shared by the API, the pages, the admin and the WebSocket middleware."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import ApiToken, AuthSession, User
from apps.accounts.tokens import API_TOKEN_PREFIX, InvalidAccessToken, decode_access_token, token_hash


@dataclass(frozen=True)
class Principal:
    """Who a credential belongs to, and through which session or API token."""

    user: User
    session: AuthSession | None = None
    api_token: ApiToken | None = None


def principal_for_credential(raw: str) -> Principal:
    """Resolve a bearer credential (access JWT or personal API token) to its live owner.

    Raises InvalidAccessToken when the credential is unknown, expired or its session ended.
    The user's status is not judged here: a pending or suspended user is still identified,
    so that the permission layer can say why they are refused.
    """
    if raw.startswith(API_TOKEN_PREFIX):
        # Slices, not .first(): a unique lookup needs no ORDER BY.
        token = next(iter(ApiToken.objects.select_related("user").filter(token_hash=token_hash(raw))[:1]), None)
        if token is None:
            raise InvalidAccessToken("unknown API token")
        return Principal(user=token.user, api_token=token)
    claims = decode_access_token(raw)
    live = AuthSession.objects.select_related("user").filter(
        id=claims.session_id,
        user_id=claims.user_id,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    session = next(iter(live[:1]), None)
    if session is None:
        raise InvalidAccessToken("session ended")
    return Principal(user=session.user, session=session)


def principal_is_live(principal: Principal) -> bool:
    """Whether the credential behind `principal` still works. The user's status is judged where
    it matters (subscribing to a user stream), as for HTTP."""
    if principal.session is not None:
        credential = AuthSession.objects.filter(
            id=principal.session.id, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    else:
        credential = ApiToken.objects.filter(pk=principal.api_token.pk)
    return credential.exists()


def live_sessions_of(user: User) -> QuerySet[AuthSession]:
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def users_for_admin() -> QuerySet[User]:
    return User.objects.order_by("created_at")
