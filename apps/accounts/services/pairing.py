"""Browser-extension pairing: a 6-digit code made on the Desk, claimed once by the extension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import AuthSession, PairingCode, User
from apps.accounts.services.sessions import ClientInfo, IssuedTokens, start_session
from apps.accounts.tokens import new_pairing_code, token_hash
from apps.core.errors import ApiError
from apps.core.throttling import release_attempt, reserve_attempt


@dataclass(frozen=True)
class IssuedPairingCode:
    code: str
    expires_at: datetime


@transaction.atomic
def create_pairing_code(*, user: User) -> IssuedPairingCode:
    """A new code for the user; any earlier unused code of theirs stops working."""
    now = timezone.now()
    PairingCode.objects.filter(used_at__isnull=True).filter(Q(user=user) | Q(expires_at__lte=now)).delete()
    expires_at = now + settings.PAIRING_CODE_TTL
    for _attempt in range(20):
        code = new_pairing_code()
        try:
            with transaction.atomic():
                PairingCode.objects.create(user=user, code_hash=token_hash(code), expires_at=expires_at)
        except IntegrityError:
            continue  # another user holds this code right now; draw again
        return IssuedPairingCode(code=code, expires_at=expires_at)
    raise ApiError(status=503, code="PAIRING_UNAVAILABLE", message="Could not issue a pairing code; try again.")


def _failures_key(client: ClientInfo) -> str:
    return f"pairing-failures:{client.ip_address or 'unknown'}"


@transaction.atomic
def _claim(*, code: str, client: ClientInfo) -> IssuedTokens | None:
    pairing = (
        PairingCode.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(code_hash=token_hash(code), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if pairing is None:
        return None
    pairing.used_at = timezone.now()
    pairing.save(update_fields=["used_at"])
    return start_session(user=pairing.user, kind=AuthSession.Kind.EXTENSION, method="pairing", client=client)


def claim_pairing_code(*, code: str, client: ClientInfo) -> IssuedTokens:
    """Exchange a code for an extension session. A code works once, for PAIRING_CODE_TTL;
    a client that guesses wrong PAIRING_MAX_FAILURES times is shut out for that long.

    The guess is counted before the code is looked up (one atomic step in Redis), so parallel
    guesses cannot slip past the count; a right code takes its count back.
    """
    key = _failures_key(client)
    window = int(settings.PAIRING_CODE_TTL.total_seconds())
    if reserve_attempt(limits=[(key, settings.PAIRING_MAX_FAILURES)], window_seconds=window) is not None:
        raise ApiError(status=429, code="TOO_MANY_ATTEMPTS", message="Too many wrong pairing codes. Try again later.")
    try:
        tokens = _claim(code=code, client=client)
    except Exception:
        release_attempt(keys=[key])  # the database failed, not the guess
        raise
    if tokens is not None:
        release_attempt(keys=[key])
        return tokens
    raise ApiError(
        status=401, code="INVALID_PAIRING_CODE", message="The pairing code is wrong, expired or already used."
    )
