"""The droids API's bodies as plain dicts, key for key the output serializers of
apps/droids/serializers.py (tests/droids/test_presenters.py holds them to it). Amounts stay
numbers: a whole amount as an integer (`50000`, as the seed writes it, where a Decimal would be
`50000.0`), any other as its Decimal, which the orjson renderer writes with its own digits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.core.fields import iso_z
from apps.droids.models import Droid
from apps.droids.serializers import CONFIG_KEYS


def number(value: Decimal | None) -> int | Decimal | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def present_droid(droid: Droid) -> dict[str, Any]:
    return {
        "id": droid.id,
        "blockChain": droid.block_chain,
        "active": droid.active,
        "poolId": droid.pool_id,
        "accountId": droid.account_id,
        "fundingUSD": number(droid.funding_usd),
        "triggerType": droid.trigger_type,
        "tickBuckets": droid.tick_buckets,
        "bucketOffset": droid.bucket_offset,
        "fundingCurveType": droid.funding_curve_type,
        "maxBots": droid.max_bots,
        "maxPrice": number(droid.max_price),
        "minPrice": number(droid.min_price),
        "fallingRebalanceTrigger": number(droid.falling_rebalance_trigger),
        "risingRebalanceTrigger": number(droid.rising_rebalance_trigger),
        "maxGasPrice": number(droid.max_gas_price),
        "gasBudgetLimit": number(droid.gas_budget_limit),
        "txPriority": droid.tx_priority,
        "derivativeThreshold": number(droid.derivative_threshold),
        "ladderPercMargin": number(droid.ladder_perc_margin),
        "pausedReason": droid.paused_reason,
        "createdAt": iso_z(droid.created_at, milliseconds=True),
    }


def present_config(droid: Droid) -> dict[str, Any]:
    body = present_droid(droid)
    return {"id": droid.id, **{key: body[key] for key in CONFIG_KEYS}}


def present_session(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "startedAt": iso_z(row["started_at"], milliseconds=True),
        "stoppedAt": iso_z(row["stopped_at"], milliseconds=True),
        "status": row["status"],
        "startedBy": row["started_by__email"],
        "reason": row["reason"],
    }


def present_bot(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "positionId": hex(int(row["token_id"])),
        "status": row["status"],
        "tickLower": row["tick_lower"],
        "tickUpper": row["tick_upper"],
        "liquidity": str(int(row["liquidity"])),
        "openedAt": iso_z(row["opened_at"], milliseconds=True),
        "closedAt": iso_z(row["closed_at"], milliseconds=True),
    }


def present_history(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "timeStamp": iso_z(row["time_stamp"], milliseconds=True),
        "aum": number(row["aum"]),
        "price": number(row["price"]),
        "token0Positions": number(row["token0_positions"]),
        "token1Positions": number(row["token1_positions"]),
        "ethWallet": number(row["eth_wallet"]),
        "feesUSD": number(row["fees_usd"]),
    }


def present_account(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "address": row["address"], "label": row["label"]}


def present_pool(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "poolAddress": row["address"],
        "feeTier": row["fee_tier"],
        "tickSpacing": row["tick_spacing"],
        "token0": row["token0_symbol"],
        "token1": row["token1_symbol"],
    }
