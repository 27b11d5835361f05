from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import auth_cache
from apps.accounts.models import AuthSession, RefreshToken, User
from apps.accounts.streams import session_stream
from apps.accounts.tokens import encode_access_token, new_refresh_token, token_hash
from apps.core.errors import ApiError
from apps.core.streams import publish_on_commit


@dataclass(frozen=True)
class ClientInfo:
    user_agent: str = ""
    ip_address: str | None = None


@dataclass(frozen=True)
class IssuedTokens:
    session: AuthSession
    access_token: str
    refresh_token: str

    @property
    def expires_in(self) -> int:
        return int(settings.ACCESS_TOKEN_TTL.total_seconds())


def _issue(session: AuthSession) -> IssuedTokens:
    raw_refresh = new_refresh_token()
    RefreshToken.objects.create(session=session, token_hash=token_hash(raw_refresh))
    return IssuedTokens(
        session=session,
        access_token=encode_access_token(user_id=session.user_id, session_id=session.id),
        refresh_token=raw_refresh,
    )


@transaction.atomic
def start_session(*, user: User, kind: str, method: str, client: ClientInfo) -> IssuedTokens:
    """Open a session for an ACTIVE user and issue its first token pair."""
    if not user.is_active:
        raise ApiError(status=403, code="ACCOUNT_NOT_ACTIVE", message="This account is not active.")
    session = AuthSession.objects.create(
        user=user,
        kind=kind,
        method=method,
        user_agent=client.user_agent[:255],
        ip_address=client.ip_address,
        expires_at=timezone.now() + settings.REFRESH_TOKEN_TTL,
    )
    return _issue(session)


def refresh_session(*, raw_refresh_token: str) -> IssuedTokens:
    """Rotate a refresh token: the presented one is spent and a new pair is issued.

    Presenting a spent refresh token means it was copied: the whole session is revoked
    (committed before the 401 is raised), so neither copy works again.
    """
    failure: ApiError
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("session__user")
            .filter(token_hash=token_hash(raw_refresh_token))
            .first()
        )
        if token is None or not token.session.is_live:
            failure = ApiError(status=401, code="INVALID_REFRESH_TOKEN", message="The refresh token is not valid.")
        elif token.used_at is not None:
            _revoke(token.session, reason="refresh_token_reused")
            failure = ApiError(
                status=401,
                code="REFRESH_TOKEN_REUSED",
                message="This refresh token was already used; the session has been revoked.",
            )
        elif not token.session.user.is_active:
            failure = ApiError(status=403, code="ACCOUNT_NOT_ACTIVE", message="This account is not active.")
        else:
            now = timezone.now()
            token.used_at = now
            token.save(update_fields=["used_at"])
            session = token.session
            session.last_refreshed_at = now
            session.expires_at = now + settings.REFRESH_TOKEN_TTL
            session.save(update_fields=["last_refreshed_at", "expires_at"])
            return _issue(session)
    raise failure


def _revoke(session: AuthSession, *, reason: str) -> None:
    # Before the commit, inside the caller's transaction: see apps/accounts/auth_cache.py.
    auth_cache.forget_sessions([session.id])
    session.revoked_at = timezone.now()
    session.revoked_reason = reason
    session.save(update_fields=["revoked_at", "revoked_reason"])
    publish_on_commit(session_stream(session.id), {"e": "session_revoked", "reason": reason})


@transaction.atomic
def revoke_session(*, session: AuthSession, reason: str = "logout") -> None:
    locked = AuthSession.objects.select_for_update().get(pk=session.pk)
    if locked.revoked_at is None:
        _revoke(locked, reason=reason)


@transaction.atomic
def revoke_all_sessions(*, user: User, reason: str = "revoke_all") -> int:
    """Revoke every live session of the user at once; returns how many were live."""
    live = list(
        AuthSession.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    )
    for session in live:
        _revoke(session, reason=reason)
    return len(live)
