from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.accounts.models import Role, Status, User
from apps.core.fields import (
    IsoZDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
    iso_z,
)

# --- seed 004 (/api) ----------------------------------------------------------------------

PENDING_ROLE = "PENDING"


class AppRoleField(StrictChoiceField):
    """Seed 004 shows a pending user's role as PENDING (its admin example); the stored role,
    which approval grants unless the admin picks another, appears once the user is ACTIVE."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[*Role.values, PENDING_ROLE], source="*", **kwargs)

    def to_representation(self, value: User) -> str:
        return PENDING_ROLE if value.status == Status.PENDING else value.role


class AppUserSerializer(serializers.Serializer):
    userId = StrictUUIDField(source="id")
    email = StrictEmailField(allow_null=True)
    walletAddress = StrictCharField(source="wallet_address", allow_null=True)
    role = AppRoleField(read_only=True)
    status = StrictChoiceField(choices=Status.choices)
    createdAt = IsoZDateTimeField(source="created_at", milliseconds=True)

    def to_representation(self, user: User) -> dict[str, Any]:
        return app_user_body(user)


def app_user_body(user: User) -> dict[str, Any]:
    """AppUserSerializer's fields, written out (tests/accounts/test_user_bodies.py holds the two
    equal): DRF's field-by-field path deep-copies every field for each user (~150 µs, more than
    authenticating the request now costs)."""
    return {
        "userId": str(user.id),
        "email": user.email,
        "walletAddress": user.wallet_address,
        "role": PENDING_ROLE if user.status == Status.PENDING else str(user.role),
        "status": str(user.status),
        "createdAt": iso_z(user.created_at, milliseconds=True),
    }


class CredentialsSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(max_length=128, trim_whitespace=False)


class RegistrationSerializer(CredentialsSerializer):
    password = StrictCharField(
        min_length=8,
        max_length=128,
        error_messages={"min_length": "This password is too short. It must contain at least 8 characters."},
        help_text="At least 8 characters, not only digits, not a common password, not like the email.",
    )


class AppSessionSerializer(serializers.Serializer):
    user = AppUserSerializer()
    accessToken = StrictCharField()


class AppUserEnvelopeSerializer(serializers.Serializer):
    user = AppUserSerializer()


class RegisterResponseSerializer(serializers.Serializer):
    user = AppUserSerializer(required=False)
    accessToken = StrictCharField(required=False)
    message = StrictCharField(required=False)


class MessageSerializer(serializers.Serializer):
    message = StrictCharField()


class AdminUserListSerializer(serializers.Serializer):
    users = AppUserSerializer(many=True)


class AdminUserUpdateSerializer(serializers.Serializer):
    request_schema = {"minProperties": 1}
    role = StrictChoiceField(choices=Role.choices, required=False)
    status = StrictChoiceField(choices=Status.choices, required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Send role, status or both.")
        return attrs


class ApiTokenStateSerializer(serializers.Serializer):
    exists = StrictBooleanField()
    createdAt = IsoZDateTimeField(milliseconds=True, required=False)


class ApiTokenCreatedSerializer(serializers.Serializer):
    token = StrictCharField()


# --- seed 003 (/api/v1/auth) ---------------------------------------------------------------


class DeskUserSerializer(serializers.Serializer):
    id = StrictUUIDField()
    wallet_address = StrictCharField(allow_null=True)
    email = StrictEmailField(allow_null=True)
    role = StrictChoiceField(choices=Role.choices)
    status = StrictChoiceField(choices=Status.choices)
    created_at = IsoZDateTimeField()

    def to_representation(self, user: User) -> dict[str, Any]:
        return desk_user_body(user)


def desk_user_body(user: User) -> dict[str, Any]:
    """DeskUserSerializer's fields, written out as `app_user_body` is: /api/v1/auth/me's body."""
    return {
        "id": str(user.id),
        "wallet_address": user.wallet_address,
        "email": user.email,
        "role": str(user.role),
        "status": str(user.status),
        "created_at": iso_z(user.created_at),
    }


class NonceSerializer(serializers.Serializer):
    nonce = StrictCharField()
    expires_in = StrictIntegerField()


class SiweInputSerializer(serializers.Serializer):
    message = StrictCharField(max_length=4096, trim_whitespace=False)
    signature = StrictRegexField(
        r"^0x[0-9a-fA-F]{130}$", error_messages={"invalid": "Expected a 65-byte 0x-hex signature."}
    )


class DeskSessionSerializer(serializers.Serializer):
    user = DeskUserSerializer()
    expires_in = StrictIntegerField()


class TokenPairSerializer(serializers.Serializer):
    access_token = StrictCharField()
    refresh_token = StrictCharField()
    expires_in = StrictIntegerField()


class TokensEnvelopeSerializer(serializers.Serializer):
    tokens = TokenPairSerializer()


class ExtensionRefreshInputSerializer(serializers.Serializer):
    refresh_token = StrictCharField(max_length=256)


class PairingCodeSerializer(serializers.Serializer):
    code = StrictCharField()
    expires_in = StrictIntegerField()
    expires_at = IsoZDateTimeField()


class PairingClaimSerializer(serializers.Serializer):
    code = StrictRegexField(r"^\d{6}$", error_messages={"invalid": "The code is 6 digits."})


class RevokedSerializer(serializers.Serializer):
    revoked = StrictIntegerField()
