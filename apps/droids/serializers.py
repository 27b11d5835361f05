"""The droids API's request bodies (validated here, field by field) and the shapes of its answers
(the OpenAPI schema only: bodies are built by apps/droids/presenters.py, key for key these).

Rules between fields (minPrice below maxPrice, the offset and the bots within the buckets, the
funding within the wallet) are the services' (apps/droids/services.py): a config PATCH checks
them against the droid's stored values too.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apps.core.fields import (
    IsoZDateTimeField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictNumberField,
    schema_field,
)
from apps.droids.models import BotStatus, DroidActive, FundingCurve, SessionStatus, TriggerType

MAX_TICK_BUCKETS = 200
MAX_BOTS = 50
MAX_TX_PRIORITY = 3
# The columns are NUMERIC(38, 18): 20 digits before the point.
AMOUNT_LIMIT = Decimal(10) ** 20


def _bound(limit: Decimal, *, above: bool, inclusive: bool) -> Any:
    def check(value: Decimal) -> None:
        if above and (value < limit if inclusive else value <= limit):
            raise serializers.ValidationError(f"Must be {'at least' if inclusive else 'greater than'} {limit}.")
        if not above and (value > limit if inclusive else value >= limit):
            raise serializers.ValidationError(f"Must be {'at most' if inclusive else 'less than'} {limit}.")

    return check


def number(
    *,
    minimum: str = "0",
    maximum: Decimal | str = AMOUNT_LIMIT,
    min_inclusive: bool = False,
    max_inclusive: bool = False,
    **kwargs: Any,
) -> serializers.Field:
    """A JSON number (never a string or a boolean) in the stated range, at most 18 decimals."""
    low, high = Decimal(minimum), Decimal(maximum)
    schema: dict[str, Any] = {"type": "number", "minimum": float(low), "maximum": float(high)}
    if not min_inclusive:
        schema["exclusiveMinimum"] = True
    if not max_inclusive:
        schema["exclusiveMaximum"] = True
    if kwargs.get("allow_null"):
        schema["nullable"] = True
    validators = [_bound(low, above=True, inclusive=min_inclusive), _bound(high, above=False, inclusive=max_inclusive)]
    return schema_field(StrictNumberField, schema, max_digits=38, decimal_places=18, validators=validators, **kwargs)


def fraction(*, help_text: str, zero: bool = False, maximum: str = "1", inclusive: bool = False, **kwargs: Any) -> Any:
    return number(maximum=maximum, min_inclusive=zero, max_inclusive=inclusive, help_text=help_text, **kwargs)


class StrictBody(serializers.Serializer):
    """A body whose unknown fields are a 400, not silently dropped."""

    request_schema: dict[str, Any] = {"additionalProperties": False}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


def config_fields(*, partial: bool) -> dict[str, serializers.Field]:
    """The configuration fields, by the seed's names, each with the model field as its source.
    On a PATCH (`partial`) every one is optional; on a POST those with a model default are."""
    required = {"required": not partial}
    optional = {"required": False}
    return {
        "fundingUSD": number(
            source="funding_usd",
            help_text="USD the droid may deploy (> 0); "
            "at most the wallet's value less what its other open droids hold.",
            **required,
        ),
        "triggerType": StrictChoiceField(source="trigger_type", choices=TriggerType.choices, **optional),
        "tickBuckets": StrictIntegerField(source="tick_buckets", min_value=1, max_value=MAX_TICK_BUCKETS, **required),
        "bucketOffset": StrictIntegerField(
            source="bucket_offset",
            min_value=-MAX_TICK_BUCKETS,
            max_value=MAX_TICK_BUCKETS,
            **optional,
            help_text="Buckets the ladder is shifted by; within -tickBuckets..tickBuckets. Default 0.",
        ),
        "fundingCurveType": StrictChoiceField(source="funding_curve_type", choices=FundingCurve.choices, **optional),
        "maxBots": StrictIntegerField(
            source="max_bots",
            min_value=1,
            max_value=MAX_BOTS,
            **required,
            help_text="Positions held at once, 1..50, and no more than tickBuckets.",
        ),
        "maxPrice": number(source="max_price", help_text="Top of the ladder (> minPrice).", **required),
        "minPrice": number(source="min_price", help_text="Bottom of the ladder (> 0).", **required),
        "fallingRebalanceTrigger": fraction(
            source="falling_rebalance_trigger", help_text="In (0, 1): 0.03 is 3%.", **required
        ),
        "risingRebalanceTrigger": fraction(
            source="rising_rebalance_trigger", help_text="In (0, 1): 0.05 is 5%.", **required
        ),
        "maxGasPrice": number(source="max_gas_price", help_text="gwei (> 0).", **required),
        "gasBudgetLimit": number(
            source="gas_budget_limit",
            allow_null=True,
            required=False,
            help_text="ETH the droid may spend on gas in all (> 0); null or absent: no limit.",
        ),
        "txPriority": StrictIntegerField(source="tx_priority", min_value=0, max_value=MAX_TX_PRIORITY, **optional),
        "derivativeThreshold": fraction(source="derivative_threshold", zero=True, help_text="In [0, 1).", **required),
        "ladderPercMargin": fraction(
            source="ladder_perc_margin", zero=True, maximum="0.5", inclusive=True, help_text="In [0, 0.5].", **required
        ),
    }


NewDroidInput = type(
    "NewDroidInput",
    (StrictBody,),
    {
        "__doc__": "A new droid: the pool, the wallet and the configuration. Unknown fields are a 400.",
        "poolId": StrictIntegerField(min_value=1, help_text="A pool of GET /api/droids/pools."),
        "accountId": StrictIntegerField(
            min_value=1, required=False, help_text="A wallet of GET /api/droids/accounts; default: your first one."
        ),
        **config_fields(partial=False),
    },
)


class StrictPatch(StrictBody):
    """A partial update: at least one field, none unknown."""

    request_schema: dict[str, Any] = {"additionalProperties": False, "minProperties": 1}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError(f"Send at least one of: {', '.join(self.fields)}.")
        return attrs


# Every configuration field may be changed.
DroidConfigInput = type(
    "DroidConfigInput",
    (StrictPatch,),
    {
        "__doc__": "Any of the configuration fields, at least one; unknown fields are a 400.",
        **config_fields(partial=True),
    },
)


class ActiveInput(StrictBody):
    """The state to move the droid to."""

    # A PATCH body's fields are optional by default: this one's is the whole request.
    request_schema = {"additionalProperties": False, "minProperties": 1, "required": ["active"]}

    active = StrictIntegerField(
        min_value=0,
        max_value=3,
        help_text="0 pause, 1 run (OPERATOR or ADMIN); 2 reset, 3 close every position and stop (ADMIN).",
    )


# --- answers (schema) -----------------------------------------------------------------------------


class DroidOutput(serializers.Serializer):
    id = StrictIntegerField()
    blockChain = StrictCharField()
    active = StrictChoiceField(choices=DroidActive.choices)
    poolId = StrictIntegerField()
    accountId = StrictIntegerField()
    fundingUSD = StrictNumberField()
    triggerType = StrictChoiceField(choices=TriggerType.choices)
    tickBuckets = StrictIntegerField()
    bucketOffset = StrictIntegerField()
    fundingCurveType = StrictChoiceField(choices=FundingCurve.choices)
    maxBots = StrictIntegerField()
    maxPrice = StrictNumberField()
    minPrice = StrictNumberField()
    fallingRebalanceTrigger = StrictNumberField()
    risingRebalanceTrigger = StrictNumberField()
    maxGasPrice = StrictNumberField()
    gasBudgetLimit = StrictNumberField(allow_null=True)
    txPriority = StrictIntegerField()
    derivativeThreshold = StrictNumberField()
    ladderPercMargin = StrictNumberField()
    pausedReason = StrictCharField(help_text="Why the engine paused the droid by itself; empty otherwise.")
    createdAt = IsoZDateTimeField(milliseconds=True)


class DroidListOutput(serializers.Serializer):
    droids = DroidOutput(many=True)


class CreatedOutput(serializers.Serializer):
    id = StrictIntegerField()


class SessionOutput(serializers.Serializer):
    id = StrictIntegerField()
    startedAt = IsoZDateTimeField(milliseconds=True)
    stoppedAt = IsoZDateTimeField(milliseconds=True, allow_null=True)
    status = StrictChoiceField(choices=SessionStatus.choices)
    startedBy = StrictCharField(allow_null=True, help_text="The email of who set the state; null: the engine.")
    reason = StrictCharField()


class BotOutput(serializers.Serializer):
    id = StrictIntegerField()
    positionId = StrictCharField(help_text="The position NFT's token id, in hex.")
    status = StrictChoiceField(choices=BotStatus.choices)
    tickLower = StrictIntegerField()
    tickUpper = StrictIntegerField()
    liquidity = StrictCharField(help_text="uint128, as a decimal string.")
    openedAt = IsoZDateTimeField(milliseconds=True)
    closedAt = IsoZDateTimeField(milliseconds=True, allow_null=True)


class DroidDetailOutput(serializers.Serializer):
    droid = DroidOutput()
    sessions = SessionOutput(many=True)
    bots = BotOutput(many=True)


class ActiveOutput(serializers.Serializer):
    id = StrictIntegerField()
    active = StrictChoiceField(choices=DroidActive.choices)


CONFIG_KEYS = tuple(config_fields(partial=True))
# The droid's whole configuration after the change, as the seed's example answers every field it sent.
DroidConfigOutput = type(
    "DroidConfigOutput",
    (serializers.Serializer,),
    # DRF orders declared fields by creation: copies made after `id` follow it.
    {"id": StrictIntegerField(), **{key: copy.deepcopy(DroidOutput._declared_fields[key]) for key in CONFIG_KEYS}},
)


class AccountOutput(serializers.Serializer):
    id = StrictIntegerField()
    address = StrictCharField()
    label = StrictCharField()


class AccountListOutput(serializers.Serializer):
    accounts = AccountOutput(many=True)


class PoolOutput(serializers.Serializer):
    id = StrictIntegerField()
    poolAddress = StrictCharField()
    feeTier = StrictIntegerField()
    tickSpacing = StrictIntegerField()
    token0 = StrictCharField(help_text="token0's symbol")
    token1 = StrictCharField(help_text="token1's symbol")


class PoolListOutput(serializers.Serializer):
    pools = PoolOutput(many=True)


class HistoryOutput(serializers.Serializer):
    id = StrictIntegerField()
    timeStamp = IsoZDateTimeField(milliseconds=True)
    aum = StrictNumberField()
    price = StrictNumberField()
    token0Positions = StrictNumberField()
    token1Positions = StrictNumberField()
    ethWallet = StrictNumberField()
    feesUSD = StrictNumberField()


class HistoryListOutput(serializers.Serializer):
    history = HistoryOutput(many=True)
