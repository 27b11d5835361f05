"""The user bodies are written out by hand (apps/accounts/serializers.py): they stay exactly what
DRF's field-by-field representation of the declared fields gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from apps.accounts.models import Role, Status
from apps.accounts.serializers import AppUserSerializer, DeskUserSerializer
from tests.accounts.factories import UserFactory, wallet

pytestmark = pytest.mark.django_db

USERS = [
    {"role": Role.OPERATOR, "status": Status.ACTIVE},
    {"role": Role.ADMIN, "status": Status.ACTIVE, "created_at": datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)},
    {"role": Role.OPERATOR, "status": Status.PENDING},
    {"role": Role.VIEWER, "status": Status.SUSPENDED},
    {"email": None, "wallet": True},
]


@pytest.mark.parametrize("fields", USERS)
@pytest.mark.parametrize("serializer_class", [DeskUserSerializer, AppUserSerializer])
def test_the_written_out_body_is_drfs_own(serializer_class, fields):
    fields = dict(fields)
    if fields.pop("wallet", False):
        fields["wallet_address"] = wallet().address
    user = UserFactory(**fields)
    serializer = serializer_class(user)
    assert serializer.data == serializers.Serializer.to_representation(serializer, user)
    assert list(serializer.data) == list(serializer.fields)
