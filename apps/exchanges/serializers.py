"""Input and output shapes of the exchange endpoints (seed 003). No serializer here has a
field for a credential on the way out: secrets go in, never come back."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.fields import (
    AmountField,
    IsoZDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
)
from apps.exchanges.models import AccountKind, AccountStatus, AgentWalletStatus

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"


def _amount() -> AmountField:
    return AmountField()


class ExchangeSerializer(serializers.Serializer):
    id = StrictCharField(help_text="The value for `exchange_name` (a ccxt id, or `paper`).")
    name = StrictCharField()
    kind = StrictChoiceField(
        choices=AccountKind.choices,
        help_text="How an account is connected: PAPER (no keys), API_KEY, or AGENT_WALLET (Hyperliquid).",
    )
    requires_passphrase = StrictBooleanField()
    has_spot = StrictBooleanField()
    has_derivatives = StrictBooleanField()
    credentials = serializers.ListField(
        child=StrictCharField(), help_text="The fields the trader must supply to connect."
    )


class ExchangeListSerializer(serializers.Serializer):
    exchanges = ExchangeSerializer(many=True)


class SupportedExchangesSerializer(serializers.Serializer):
    exchanges = serializers.ListField(
        child=StrictCharField(), help_text="Exchange ids, `paper` first: the values `exchange_name` accepts."
    )


class ExchangeAccountSerializer(serializers.Serializer):
    id = StrictUUIDField()
    exchange_name = StrictCharField()
    label = StrictCharField()
    kind = StrictChoiceField(choices=AccountKind.choices)
    key_hint = StrictCharField(help_text="The last four characters of the API key (or agent address).")
    status = StrictChoiceField(choices=AccountStatus.choices)
    created_at = IsoZDateTimeField()
    last_tested_at = IsoZDateTimeField(allow_null=True)
    last_error = StrictCharField(help_text="Why the last connection test failed; empty when it passed.")


class ExchangeAccountListSerializer(serializers.Serializer):
    accounts = ExchangeAccountSerializer(many=True)


class AddExchangeAccountSerializer(serializers.Serializer):
    exchange_name = StrictCharField(max_length=32, help_text="`paper`, or an id from /exchanges/supported.")
    api_key = StrictCharField(required=False, default="", max_length=512, help_text="Not needed for `paper`.")
    secret = StrictCharField(required=False, default="", max_length=512, help_text="Not needed for `paper`.")
    passphrase = StrictCharField(
        required=False, default="", max_length=256, help_text="Required where the exchange has one (okx, ...)."
    )
    label = StrictCharField(required=False, default="", allow_blank=True, max_length=64)


class ConnectionCheckSerializer(serializers.Serializer):
    ok = StrictBooleanField()
    message = StrictCharField()
    latency_ms = StrictIntegerField()


class BalanceSerializer(serializers.Serializer):
    asset = StrictCharField()
    free = _amount()
    used = _amount()
    total = _amount()


class BalanceListSerializer(serializers.Serializer):
    balances = BalanceSerializer(many=True)


class PositionSerializer(serializers.Serializer):
    symbol = StrictCharField()
    side = StrictChoiceField(choices=["long", "short"])
    quantity = _amount()
    entry_price = _amount()
    mark_price = AmountField(allow_null=True)
    unrealized_pnl = _amount()
    leverage = StrictIntegerField(allow_null=True)


class PositionListSerializer(serializers.Serializer):
    positions = PositionSerializer(many=True)


# --- agent wallets ---------------------------------------------------------------------------


class InitAgentWalletSerializer(serializers.Serializer):
    master_address = StrictRegexField(
        ADDRESS_PATTERN,
        required=False,
        default="",
        help_text="The wallet that approves the agent; defaults to your account's wallet address.",
    )
    name = StrictCharField(required=False, default="", allow_blank=True, max_length=16)


class ApproveAgentWalletSerializer(serializers.Serializer):
    id = StrictUUIDField(help_text="The agent wallet's id from init.")
    signature = StrictRegexField(
        r"^0x[0-9a-fA-F]{130}$", help_text="The master wallet's EIP-712 signature of `typed_data` (65 bytes, hex)."
    )
    nonce = StrictIntegerField(min_value=0, help_text="The nonce from init (a millisecond timestamp).")


class AgentWalletSerializer(serializers.Serializer):
    id = StrictUUIDField()
    name = StrictCharField()
    agent_address = StrictCharField(source="address")
    master_address = StrictCharField()
    status = StrictChoiceField(choices=AgentWalletStatus.choices)
    exchange_account_id = StrictUUIDField(allow_null=True)
    created_at = IsoZDateTimeField()
    approved_at = IsoZDateTimeField(allow_null=True)
    revoked_at = IsoZDateTimeField(allow_null=True)


class AgentApprovalSerializer(AgentWalletSerializer):
    nonce = StrictIntegerField()
    action = serializers.JSONField(help_text="The approveAgent action Hyperliquid receives once it is signed.")
    typed_data = serializers.JSONField(
        help_text="EIP-712 typed data for the master wallet to sign (eth_signTypedData_v4); "
        "send the signature and nonce to /exchanges/agent-wallet/approve."
    )
