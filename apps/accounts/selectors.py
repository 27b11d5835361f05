"""Reads shared by the API, the pages, the admin and the WebSocket middleware."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts import auth_cache
from apps.accounts.models import ApiToken, AuthSession, User
from apps.accounts.tokens import API_TOKEN_PREFIX, InvalidAccessToken, decode_access_token, token_hash


@dataclass(frozen=True)
class Principal:
    """Who a credential belongs to, and through which session or API token."""

    user: User
    session: AuthSession | None = None
    api_token: ApiToken | None = None


def principal_for_credential(raw: str, *, cached: bool = True) -> Principal:
    """Resolve a bearer credential (access JWT or personal API token) to its live owner.

    Raises InvalidAccessToken when the credential is unknown, expired or its session ended.
    The user's status is not judged here: a pending or suspended user is still identified,
    so that the permission layer can say why they are refused. An access token's session may
    be answered from the auth cache (apps/accounts/auth_cache.py) unless `cached` is False:
    writes pass False, so that what changes state always rests on the rows as they are.
    """
    if raw.startswith(API_TOKEN_PREFIX):
        # Slices, not .first(): a unique lookup needs no ORDER BY.
        token = next(iter(ApiToken.objects.select_related("user").filter(token_hash=token_hash(raw))[:1]), None)
        if token is None:
            raise InvalidAccessToken("unknown API token")
        return Principal(user=token.user, api_token=token)
    claims = decode_access_token(raw)
    found, ticket = None, None
    if cached:
        found, ticket = auth_cache.lookup(session_id=claims.session_id, user_id=claims.user_id)
    if found is None:
        found = _live_session_and_user(session_id=claims.session_id, user_id=claims.user_id)
        if found is None:
            raise InvalidAccessToken("session ended")
        auth_cache.remember(ticket, session_id=claims.session_id, user_id=claims.user_id, found=found)
    expires_at, user_fields = found
    user = User.from_db(DEFAULT_DB_ALIAS, list(user_fields), list(user_fields.values()))
    session = AuthSession.from_db(DEFAULT_DB_ALIAS, SESSION_FIELDS, [claims.session_id, claims.user_id, expires_at])
    session.user = user
    return Principal(user=user, session=session)


# What a principal carries: the session's id, user and expiry, and every field of the user but
# the password hash and last_login, which no request reads (they load on first use if one ever
# does) and which stay out of the auth cache. In the models' field order, as `from_db` takes them.
SESSION_FIELDS = ["id", "user_id", "expires_at"]
USER_FIELDS = ["id", "email", "wallet_address", "role", "status", "created_at", "status_changed_at"]

# The live session and its user in one statement, written once: the ORM built and compiled this
# query on every request, which cost more than running it.
_SESSION_AND_USER = f"""
    SELECT s.expires_at, {", ".join(f"u.{name}" for name in USER_FIELDS)}
    FROM accounts_authsession s JOIN accounts_user u ON u.id = s.user_id
    WHERE s.id = %s AND s.user_id = %s AND s.revoked_at IS NULL AND s.expires_at > %s"""  # noqa: S608 - constants


def _live_session_and_user(*, session_id: uuid.UUID, user_id: uuid.UUID) -> tuple[datetime, dict[str, Any]] | None:
    """(the session's expiry, the user's fields) of a live session of this user, else None."""
    expires = AuthSession._meta.get_field("expires_at")
    params = [
        AuthSession._meta.pk.get_db_prep_value(session_id, connection),
        User._meta.pk.get_db_prep_value(user_id, connection),
        expires.get_db_prep_value(timezone.now(), connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SESSION_AND_USER, params)
        row = cursor.fetchone()
    if row is None:
        return None
    # The values as the ORM hands them over: SQLite's driver gives UUIDs and times as text.
    fields = [expires.get_col(AuthSession._meta.db_table)]
    fields += [User._meta.get_field(name).get_col(User._meta.db_table) for name in USER_FIELDS]
    compiler = connection.ops.compiler("SQLCompiler")(None, connection, DEFAULT_DB_ALIAS)
    converters = compiler.get_converters(fields)
    expires_at, *values = next(compiler.apply_converters([row], converters)) if converters else row
    return expires_at, dict(zip(USER_FIELDS, values, strict=True))


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
