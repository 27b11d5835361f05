"""The presenters write the keys the output serializers document, in the same order, so the
OpenAPI schema stays the truth about the bodies."""

from __future__ import annotations

import pytest

from apps.droids import presenters, selectors, serializers
from tests.droids.factories import (
    DroidAccountFactory,
    DroidBotFactory,
    DroidFactory,
    DroidHistoryFactory,
    DroidPoolFactory,
    DroidSessionFactory,
)

pytestmark = pytest.mark.django_db


def test_every_body_has_its_serializers_keys_in_order(admin_user):
    droid = DroidFactory(owner=admin_user)
    DroidSessionFactory(droid=droid)
    DroidBotFactory(droid=droid)
    DroidHistoryFactory(droid=droid)
    DroidAccountFactory(user=admin_user)
    DroidPoolFactory()
    found, sessions, bots = selectors.droid_detail(user=admin_user, droid_id=droid.id)
    (history,) = selectors.droid_history(user=admin_user, droid_id=droid.id, limit=10)

    pairs = [
        (presenters.present_droid(found), serializers.DroidOutput),
        (presenters.present_config(found), serializers.DroidConfigOutput),
        (presenters.present_session(sessions[0]), serializers.SessionOutput),
        (presenters.present_bot(bots[0]), serializers.BotOutput),
        (presenters.present_history(history), serializers.HistoryOutput),
        (presenters.present_account(selectors.accounts_of(user=admin_user)[0]), serializers.AccountOutput),
        (presenters.present_pool(selectors.pool_rows()[0]), serializers.PoolOutput),
    ]

    for body, serializer in pairs:
        assert list(body) == list(serializer().fields), serializer.__name__
