from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiToken, User
from apps.accounts.streams import api_token_stream
from apps.accounts.tokens import new_api_token, token_hash
from apps.core.streams import publish_on_commit


def _delete_tokens_of(user: User) -> int:
    doomed = list(ApiToken.objects.filter(user=user).values_list("pk", flat=True))
    for token_id in doomed:
        publish_on_commit(api_token_stream(token_id), {"e": "api_token_revoked"})
    ApiToken.objects.filter(pk__in=doomed).delete()
    return len(doomed)


@transaction.atomic
def create_api_token(*, user: User) -> str:
    """Issue the user's personal API token, replacing any earlier one; the raw value is
    returned this once and only its hash is stored."""
    _delete_tokens_of(user)
    raw = new_api_token()
    ApiToken.objects.create(user=user, token_hash=token_hash(raw), prefix=raw[:12])
    return raw


@transaction.atomic
def revoke_api_token(*, user: User) -> bool:
    return _delete_tokens_of(user) > 0


# Often enough to tell a live token from a forgotten one, rarely enough to keep writes off the
# hot path of every authenticated request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def record_api_token_use(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
