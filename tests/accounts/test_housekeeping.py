from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import AuthSession, PairingCode, RefreshToken
from apps.accounts.services import create_pairing_code, revoke_session
from apps.accounts.tasks import purge_expired_credentials
from tests.accounts.factories import sign_in

pytestmark = pytest.mark.django_db


def test_it_purges_sessions_that_ended_long_ago_with_their_token_hashes(user):
    old, recent, live = sign_in(user).session, sign_in(user).session, sign_in(user).session
    revoke_session(session=old)
    revoke_session(session=recent)
    AuthSession.objects.filter(pk=old.pk).update(revoked_at=timezone.now() - timedelta(days=31))

    assert purge_expired_credentials() == {"sessions": 1, "pairing_codes": 0}
    assert set(AuthSession.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not RefreshToken.objects.filter(session_id=old.pk).exists()


def test_it_purges_pairing_codes_that_can_no_longer_be_claimed(user):
    create_pairing_code(user=user)
    PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    purge_expired_credentials()
    assert not PairingCode.objects.exists()
