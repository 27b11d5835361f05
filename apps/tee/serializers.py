"""What the /api/v1/tee endpoints take and answer (seed 000), for validation and the schema.

The requests are checked here before anything reaches the gateway, so a malformed one is a 400
from the backend even while the gateway is away. Responses are the gateway's, passed through:
their serializers document the dev gateway's fields and leave room for a real gateway's."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictRegexField,
)

JOB_ID_PATTERN = r"^(0x[0-9a-fA-F]{64}|[0-9]{1,78})$"
DECIMAL_PATTERN = r"^[0-9]{1,30}(\.[0-9]{1,18})?$"


class TeeParamsSerializer(serializers.Serializer):
    stop_loss_bps = StrictIntegerField(min_value=1, max_value=10_000)
    target_return_bps = StrictIntegerField(min_value=0, max_value=1_000_000)
    max_daily_trades = StrictIntegerField(min_value=1, max_value=100_000)


class TeeJobInitSerializer(serializers.Serializer):
    job_id = StrictRegexField(JOB_ID_PATTERN, help_text="the on-chain job id: bytes32 hex or decimal")
    encrypted_api_key = StrictRegexField(r"^(0x)?[0-9a-fA-F]{2,8192}$", help_text="ECIES to tee_pubkey, hex")
    params = TeeParamsSerializer()
    deadline = StrictIntegerField(min_value=0, max_value=2**63 - 1, help_text="the job's on-chain deadline (unix s)")


class TeeOrderFieldsSerializer(serializers.Serializer):
    symbol = StrictRegexField(r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$")
    side = StrictRegexField(r"^(buy|sell)$", help_text="buy or sell")
    quantity = StrictRegexField(DECIMAL_PATTERN)
    price = StrictRegexField(DECIMAL_PATTERN)
    nonce = StrictRegexField(r"^[A-Za-z0-9_.-]{1,64}$", required=False, help_text="makes each signed order unique")


class TeeOrderSerializer(serializers.Serializer):
    order = TeeOrderFieldsSerializer()
    provider_signature = StrictRegexField(
        r"^0x[0-9a-fA-F]{130}$",
        help_text="EIP-191 by the job's provider of AACP:tee-order:<jobId>:<symbol>:<side>:<quantity>:<price>:<nonce>",
    )


class TeeAttestationSerializer(serializers.Serializer):
    tee_pubkey = StrictCharField(help_text="uncompressed secp256k1 public key, 0x04...")
    attestation_type = StrictCharField(required=False, help_text='"dev" or "dstack"')
    tee_address = StrictCharField(required=False)
    quote = StrictCharField(required=False, allow_null=True)
    report_data = StrictCharField(required=False, allow_null=True)
    note = StrictCharField(required=False)


class TeePositionSerializer(serializers.Serializer):
    symbol = StrictCharField()
    quantity = StrictCharField()
    avg_price = StrictCharField(required=False)
    mark_price = StrictCharField(required=False)


class TeeBalanceReportSerializer(serializers.Serializer):
    usdt_balance = StrictCharField()
    positions = TeePositionSerializer(many=True)
    equity = StrictCharField(required=False)
    starting_capital = StrictCharField(required=False)


class TeeQuoteCheckSerializer(serializers.Serializer):
    verdict = StrictChoiceField(choices=["valid", "invalid", "unverifiable", "no_quote"])
    detail = StrictCharField(help_text="why, in words: what failed, or what was verified")
    tcb_status = StrictCharField(allow_null=True, help_text="dcap-qvl's TCB status when verified (UpToDate, ...)")
    advisory_ids = serializers.ListField(child=StrictCharField(), help_text="Intel security advisories that apply")


class TeeVerificationSerializer(serializers.Serializer):
    valid = StrictBooleanField(help_text="the enclave signature recovers to the attested key")
    attestation_type = StrictCharField(allow_null=True)
    tee_pubkey = StrictCharField()
    quote = TeeQuoteCheckSerializer(help_text="the hardware quote, verified with dcap-qvl (no_quote for a dev gateway)")
    note = StrictCharField()


class TeeStatusSerializer(serializers.Serializer):
    job_id = StrictCharField(required=False)
    state = StrictChoiceField(choices=["running", "closed"])
    closed_reason = StrictCharField(allow_null=True, help_text='"deadline", "stop_loss", "target_return"')
    balance_report = TeeBalanceReportSerializer()
    enclave_signature = StrictCharField()
    attestation_type = StrictCharField(required=False)
    verification = TeeVerificationSerializer(required=False, help_text="with ?verify=true")


class TeeJobInitResultSerializer(serializers.Serializer):
    job_id = StrictCharField(required=False)
    state = StrictCharField(required=False)


class TeeOrderResultSerializer(serializers.Serializer):
    order_id = StrictIntegerField(required=False)
    status = StrictCharField(required=False)
    state = StrictCharField(required=False)
    balance_report = TeeBalanceReportSerializer(required=False)
