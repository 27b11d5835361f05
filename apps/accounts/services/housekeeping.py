from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import AuthSession, PairingCode

# Ended sessions stay visible (admin, account page history) this long before they go.
ENDED_SESSION_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    pairing_codes: int


@transaction.atomic
def purge_expired_credentials(*, now: datetime | None = None) -> PurgeResult:
    """Delete sessions (with their refresh-token hashes) that ended long ago, and pairing codes
    that can no longer be claimed."""
    now = now or timezone.now()
    cutoff = now - ENDED_SESSION_RETENTION
    _, sessions = AuthSession.objects.filter(Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)).delete()
    codes, _ = PairingCode.objects.filter(Q(expires_at__lt=now) | Q(used_at__isnull=False)).delete()
    return PurgeResult(sessions=sessions.get(AuthSession._meta.label, 0), pairing_codes=codes)
