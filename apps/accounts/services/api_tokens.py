from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiToken, User
from apps.accounts.tokens import new_api_token, token_hash


@transaction.atomic
def create_api_token(*, user: User) -> str:
    """Issue the user's personal API token, replacing any earlier one; the raw value is
    returned this once and only its hash is stored."""
    ApiToken.objects.filter(user=user).delete()
    raw = new_api_token()
    ApiToken.objects.create(user=user, token_hash=token_hash(raw), prefix=raw[:12])
    return raw


@transaction.atomic
def revoke_api_token(*, user: User) -> bool:
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted > 0


# Often enough to tell a live token from a forgotten one, rarely enough to keep writes off the
# hot path of every authenticated request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def record_api_token_use(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
