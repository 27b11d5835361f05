"""Re-sealing every stored secret with the newest FIELD_ENCRYPTION_KEYS key."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction

from apps.exchanges.crypto import reseal
from apps.exchanges.models import AgentWallet, ExchangeAccount

BATCH_SIZE = 500


@dataclass(frozen=True)
class RotationCounts:
    accounts: int
    agent_wallets: int


def _reseal_column(model: type[models.Model], field: str, *, batch_size: int) -> int:
    """Reseal one column batch by batch, each batch in its own transaction with its rows locked,
    so a long rotation never holds every row at once and a crash keeps the batches done.

    Keys are walked in primary-key order; a row sealed in between is already under the newest
    key, and resealing it again is harmless.
    """
    done = 0
    last_pk = None
    while True:
        with transaction.atomic():
            rows = model.objects.select_for_update().exclude(**{field: ""}).order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.only("pk", field)[:batch_size])
            if not batch:
                return done
            for row in batch:
                setattr(row, field, reseal(getattr(row, field)))
            model.objects.bulk_update(batch, [field])
        done += len(batch)
        last_pk = batch[-1].pk


def rotate_encryption_keys(*, batch_size: int = BATCH_SIZE) -> RotationCounts:
    """Reseal every ExchangeAccount.credentials and AgentWallet.private_key with the first key of
    FIELD_ENCRYPTION_KEYS; raises InvalidToken on a value no configured key opens (rows
    resealed before it stay resealed, and a rerun picks up from scratch harmlessly)."""
    return RotationCounts(
        accounts=_reseal_column(ExchangeAccount, "credentials", batch_size=batch_size),
        agent_wallets=_reseal_column(AgentWallet, "private_key", batch_size=batch_size),
    )
