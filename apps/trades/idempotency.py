"""Idempotency keys of trade groups and orders: the same key and body answer the first result,
the same key with another body is a conflict.

Bodies are compared by a hash of their canonical form, so `"50000.00"` and `50000` are the same
request; the unique (user, idempotency_key) index is what settles two requests racing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet

from apps.core.errors import ApiError

M = TypeVar("M", bound=Model)


def canonical(value: Any) -> Any:
    """`value` with Decimals, UUIDs and datetimes as the strings JSON stores them."""
    if isinstance(value, Decimal):
        if value.is_finite() and value.as_tuple().exponent < -18:
            value = value.quantize(Decimal("1e-18"), rounding=ROUND_DOWN)
        return f"{value.normalize():f}"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value


def request_hash(data: dict[str, Any]) -> str:
    """sha256 of a validated body in canonical form (Decimals normalised, keys sorted)."""
    text = json.dumps(canonical(data), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def replayed(rows: QuerySet[M], *, key: str, body_hash: str, what: str) -> M | None:
    """The row saved earlier under `key` for this body, None when there is none, a 409 when the
    key was used for another body. `rows` is the user's own rows (groups or orders)."""
    if not key:
        return None
    row = rows.filter(idempotency_key=key).first()
    if row is None:
        return None
    if row.request_hash != body_hash:
        raise ApiError(
            status=409,
            code="IDEMPOTENCY_CONFLICT",
            message=f"This idempotency key was already used for a different {what}.",
        )
    return row
