from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.accounts.models import Role, Status, User
from apps.core.fields import IsoZDateTimeField

# --- seed 004 (/api) ----------------------------------------------------------------------

PENDING_ROLE = "PENDING"


class AppRoleField(serializers.ChoiceField):
    """Seed 004 shows a pending user's role as PENDING (its admin example); the stored role,
    which approval grants unless the admin picks another, appears once the user is ACTIVE."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[*Role.values, PENDING_ROLE], source="*", **kwargs)

    def to_representation(self, value: User) -> str:
        return PENDING_ROLE if value.status == Status.PENDING else value.role


class AppUserSerializer(serializers.Serializer):
    userId = serializers.UUIDField(source="id")
    email = serializers.EmailField(allow_null=True)
    walletAddress = serializers.CharField(source="wallet_address", allow_null=True)
    role = AppRoleField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices)
    createdAt = IsoZDateTimeField(source="created_at", milliseconds=True)


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AppSessionSerializer(serializers.Serializer):
    user = AppUserSerializer()
    accessToken = serializers.CharField()


class AppUserEnvelopeSerializer(serializers.Serializer):
    user = AppUserSerializer()


class RegisterResponseSerializer(serializers.Serializer):
    user = AppUserSerializer(required=False)
    accessToken = serializers.CharField(required=False)
    message = serializers.CharField(required=False)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class AdminUserListSerializer(serializers.Serializer):
    users = AppUserSerializer(many=True)


class AdminUserUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Send role, status or both.")
        return attrs


class ApiTokenStateSerializer(serializers.Serializer):
    exists = serializers.BooleanField()
    createdAt = IsoZDateTimeField(milliseconds=True, required=False)


class ApiTokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField()


# --- seed 003 (/api/v1/auth) ---------------------------------------------------------------


class DeskUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    wallet_address = serializers.CharField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    created_at = IsoZDateTimeField()


class NonceSerializer(serializers.Serializer):
    nonce = serializers.CharField()
    expires_in = serializers.IntegerField()


class SiweInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=4096, trim_whitespace=False)
    signature = serializers.RegexField(
        r"^0x[0-9a-fA-F]{130}$", error_messages={"invalid": "Expected a 65-byte 0x-hex signature."}
    )


class DeskSessionSerializer(serializers.Serializer):
    user = DeskUserSerializer()
    expires_in = serializers.IntegerField()


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    expires_in = serializers.IntegerField()


class TokensEnvelopeSerializer(serializers.Serializer):
    tokens = TokenPairSerializer()


class ExtensionRefreshInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=256)


class PairingCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    expires_in = serializers.IntegerField()
    expires_at = IsoZDateTimeField()


class PairingClaimSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": "The code is 6 digits."})


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField()
