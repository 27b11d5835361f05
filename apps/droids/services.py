"""Writes of the droids: create one, change its configuration, move it between states, and the
rows the engine needs (the local pool, a funding wallet).

States (`Droid.active`): 0 paused, 1 running, 2 reset, 3 closed. Operators and admins pause and
run; only admins reset and close. Every change closes the open session and opens the next with
who made it. Closed is final.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from eth_account import Account
from web3 import Web3

from apps.accounts.models import Role
from apps.core.errors import ApiError
from apps.core.tasks import enqueue_on_commit
from apps.droids.models import (
    Droid,
    DroidAccount,
    DroidActive,
    DroidPool,
    DroidSession,
    SessionStatus,
)
from apps.droids.selectors import (
    UnpricedPool,
    account_of,
    account_value_usd,
    committed_funding,
    droid_for,
    locked_droid,
)
from apps.exchanges.crypto import seal
from apps.indexer.uniswap.deploy import UniswapAddresses, contract, erc20
from apps.indexer.uniswap.records import local_uniswap

# Registered by the engine (apps/droids/tasks.py); sent by name so this module imports no task.
CLOSE_POSITIONS_TASK = "apps.droids.tasks.close_droid_positions"
# A close that the broker did not take is not lost: the droid is committed as RESET or CLOSED.
CLOSE_RECOVERED_BY = "the droid engine's periodic run (it closes the positions of reset and closed droids)"

# (from, to) pairs a user may ask for; everything else from a live state is a 409.
TRANSITIONS = {
    (DroidActive.PAUSED, DroidActive.RUNNING),
    (DroidActive.RUNNING, DroidActive.PAUSED),
    (DroidActive.PAUSED, DroidActive.RESET),
    (DroidActive.RUNNING, DroidActive.RESET),
    (DroidActive.PAUSED, DroidActive.CLOSED),
    (DroidActive.RUNNING, DroidActive.CLOSED),
    (DroidActive.RESET, DroidActive.RUNNING),
    (DroidActive.RESET, DroidActive.PAUSED),
}
ADMIN_STATES = (DroidActive.RESET, DroidActive.CLOSED)
SESSION_STATUS = {
    DroidActive.PAUSED: SessionStatus.PAUSED,
    DroidActive.RUNNING: SessionStatus.RUNNING,
    DroidActive.RESET: SessionStatus.RESET,
    DroidActive.CLOSED: SessionStatus.CLOSED,
}
STATE_WORDS = {
    DroidActive.PAUSED: "paused",
    DroidActive.RUNNING: "running",
    DroidActive.RESET: "reset",
    DroidActive.CLOSED: "closed",
}


def _refuse_closed(droid: Droid) -> None:
    if droid.active == DroidActive.CLOSED:
        raise ApiError(status=409, message="The droid is closed: closing is final.")


def check_config(droid: Droid) -> None:
    """The rules between configuration fields, on the droid as it would be saved (a 400 naming
    the field). The fields' own ranges are checked by the request serializer."""
    errors: dict[str, str] = {}
    if droid.min_price >= droid.max_price:
        errors["minPrice"] = f"Must be below maxPrice ({droid.max_price.normalize():f})."
    if abs(droid.bucket_offset) > droid.tick_buckets:
        errors["bucketOffset"] = f"Must be within -{droid.tick_buckets}..{droid.tick_buckets} (tickBuckets)."
    if droid.max_bots > droid.tick_buckets:
        errors["maxBots"] = f"Must be at most tickBuckets ({droid.tick_buckets}): one position per bucket."
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _wallet_value(account: DroidAccount, pool: DroidPool) -> Decimal:
    try:
        return account_value_usd(account, pool)
    except UnpricedPool as exc:
        raise ValidationError({"poolId": [f"{exc}: the funding cannot be checked."]}) from exc


def _check_funding(*, droid: Droid, value: Decimal) -> None:
    """Called with the wallet's row locked, so two droids cannot both take the same funds."""
    free = value - committed_funding(account=droid.account, excluding=droid.pk)
    if droid.funding_usd > free:
        raise ValidationError(
            {
                "fundingUSD": [
                    f"Exceeds the wallet's free funds: {max(free, Decimal(0)).normalize():f} USD "
                    f"(its value on the chain, {value.normalize():f}, less its other droids' funding)."
                ]
            }
        )


def open_session(*, droid: Droid, active: int, user: Any, reason: str = "") -> None:
    """Close the droid's open session and open one for `active`, by `user` (None: the engine,
    which says why in `reason`). The caller holds the droid's row lock and saves `active`."""
    now = timezone.now()
    DroidSession.objects.filter(droid=droid, stopped_at__isnull=True).update(stopped_at=now)
    DroidSession.objects.create(
        droid=droid, status=SESSION_STATUS[active], started_at=now, started_by=user, reason=reason
    )


def create_droid(*, user: Any, pool_id: int, account_id: int | None, config: dict[str, Any]) -> Droid:
    """A paused droid on `pool_id` funded by the user's wallet `account_id` (default: their first).

    1. the cheap checks (the pool, the wallet, the rules between fields) so that bad input never
       waits for the node;
    2. the wallet's value on the chain, read before any lock (a slow node holds no row);
    3. in one transaction, with the wallet's row locked: the funding against the value less what
       the wallet's other open droids hold, the droid, and its first (PAUSED) session."""
    pool = DroidPool.objects.filter(id=pool_id).first()
    if pool is None:
        raise ValidationError({"poolId": [f"No pool {pool_id}: see GET /api/droids/pools."]})
    account = account_of(user=user, account_id=account_id)
    if account is None:
        message = f"No wallet {account_id} of yours." if account_id is not None else "You have no droid wallet."
        raise ValidationError({"accountId": [message]})
    if account.chain_id != pool.chain_id:
        raise ValidationError(
            {"accountId": [f"The wallet is on chain {account.chain_id}, the pool on {pool.chain_id}."]}
        )
    droid = Droid(owner=user, account=account, pool=pool, **config)
    check_config(droid)
    value = _wallet_value(account, pool)
    with transaction.atomic():
        DroidAccount.objects.select_for_update().get(pk=account.pk)
        _check_funding(droid=droid, value=value)
        droid.save()
        open_session(droid=droid, active=DroidActive.PAUSED, user=user)
    return droid


def update_droid_config(*, user: Any, droid_id: int, changes: dict[str, Any]) -> Droid:
    """Change some of the droid's configuration (409 once it is closed). Raising its funding is
    checked against the wallet as creation is, the chain read before any lock; lowering it
    needs no chain read."""
    seen = droid_for(user=user, droid_id=droid_id)
    _refuse_closed(seen)
    funding_before = seen.funding_usd
    for name, new in changes.items():
        setattr(seen, name, new)
    check_config(seen)
    value = _wallet_value(seen.account, seen.pool) if seen.funding_usd > funding_before else None
    with transaction.atomic():
        # The wallet before the droid, in the order creation takes them.
        DroidAccount.objects.select_for_update().get(pk=seen.account_id)
        droid = locked_droid(user=user, droid_id=droid_id)
        _refuse_closed(droid)
        funding_before = droid.funding_usd
        for name, new in changes.items():
            setattr(droid, name, new)
        check_config(droid)
        if droid.funding_usd > funding_before:
            # Without a value only when another request lowered the funding after the first read:
            # then the chain is read here, under the locks (rare, and never for a lowering).
            _check_funding(droid=droid, value=value if value is not None else _wallet_value(droid.account, droid.pool))
        droid.save(update_fields=[*changes, "updated_at"])
    return droid


def set_droid_active(*, user: Any, droid_id: int, active: int) -> Droid:
    """Move the droid to `active`, recording the session, and on a reset or a close have the
    engine take its positions down (sent after commit: the engine must read the new state)."""
    if active in ADMIN_STATES and user.role != Role.ADMIN:
        raise ApiError(status=403, message="Only admins may reset a droid or close it.")
    with transaction.atomic():
        droid = locked_droid(user=user, droid_id=droid_id)
        current = droid.active
        _refuse_closed(droid)
        if current == active:
            raise ApiError(status=409, message=f"The droid is already {STATE_WORDS[active]}.")
        if (current, active) not in TRANSITIONS:
            raise ApiError(status=409, message=f"A {STATE_WORDS[current]} droid cannot be set {STATE_WORDS[active]}.")
        droid.active = active
        fields = ["active", "updated_at"]
        if active == DroidActive.RUNNING:
            # A restart is the trader's answer to why the engine stopped it.
            droid.paused_reason, droid.consecutive_failures = "", 0
            fields += ["paused_reason", "consecutive_failures"]
        droid.save(update_fields=fields)
        open_session(droid=droid, active=active, user=user)
        if active in ADMIN_STATES:
            # A signature by name: no import of the engine's tasks module (and no circle with it).
            enqueue_on_commit(
                current_app.signature(CLOSE_POSITIONS_TASK), args=[droid.id], recovered_by=CLOSE_RECOVERED_BY
            )
    return droid


def register_local_pool(*, w3: Web3, uniswap: UniswapAddresses | None = None) -> DroidPool:
    """The DroidPool row of the local Uniswap deployment's pool, read from the chain (fee, tick
    spacing, tokens, their symbols and decimals); the same row on every call."""
    uniswap = uniswap or local_uniswap(w3)
    if uniswap is None:
        raise ValueError("No Uniswap deployment is recorded for this chain (make run deploys one).")
    pool = contract(w3, "UniswapV3Pool", uniswap.pool).functions
    token0, token1 = pool.token0().call(), pool.token1().call()
    details = {
        "fee_tier": pool.fee().call(),
        "tick_spacing": pool.tickSpacing().call(),
        "position_manager": uniswap.position_manager,
    }
    for index, token in enumerate((token0, token1)):
        calls = erc20(w3, token).functions
        details |= {
            f"token{index}": token,
            f"token{index}_symbol": calls.symbol().call()[:32],
            f"token{index}_decimals": calls.decimals().call(),
        }
    row, _ = DroidPool.objects.update_or_create(chain_id=w3.eth.chain_id, address=uniswap.pool, defaults=details)
    return row


@transaction.atomic
def create_droid_account(*, user: Any, private_key: str, label: str, chain_id: int) -> DroidAccount:
    """A funding wallet from its private key: the key sealed (apps.exchanges.crypto), the
    checksum address derived from it. A key that is no key, or a wallet already held on the
    chain, is a ValidationError."""
    try:
        address = Account.from_key(private_key).address
    except (ValueError, TypeError) as exc:
        raise ValidationError({"private_key": ["Not a valid private key."]}) from exc
    account = DroidAccount(user=user, label=label, chain_id=chain_id, address=address, private_key=seal(private_key))
    # The unique wallet is the constraint's to refuse, below, with a message that names it.
    account.full_clean(exclude=["private_key"], validate_constraints=False)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"private_key": [f"The wallet {address} is already registered on chain {chain_id}."]}
        ) from exc
    return account
