"""Adding, checking and removing exchange accounts."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ApiError
from apps.exchanges import hooks
from apps.exchanges.crypto import seal
from apps.exchanges.hooks import refuse_removal_if_in_use
from apps.exchanges.models import AccountKind, AccountStatus, AgentWallet, AgentWalletStatus, ExchangeAccount
from apps.exchanges.selectors import HYPERLIQUID, live_balances
from apps.exchanges.venues import PAPER
from apps.exchanges.venues.base import VenueError

if TYPE_CHECKING:
    from apps.exchanges.venues.ccxt_venue import ExchangeInfo


def key_fingerprint(api_key: str) -> str:
    """A keyed hash of an API key: equal keys match, and the column alone does not reveal the key."""
    return hmac.new(settings.SECRET_KEY.encode(), api_key.encode(), hashlib.sha256).hexdigest()


def _duplicate_key() -> ApiError:
    return ApiError(
        status=409, code="DUPLICATE_EXCHANGE_ACCOUNT", message="This API key is already connected to your account."
    )


def _require_credentials(info: ExchangeInfo, given: dict[str, str]) -> None:
    """400 naming each credential the exchange needs that the request lacks (an API key and
    secret always: the key is what tells two accounts apart)."""
    unsupported = [name for name in info.credentials if name not in given]
    if unsupported:
        raise ApiError(
            status=400,
            code="UNSUPPORTED_CREDENTIALS",
            message=f"{info.name} needs {', '.join(unsupported)}, which API-key accounts do not take.",
        )
    required = {"api_key", "secret", *info.credentials}
    missing = {name: [f"{info.name} requires {name}."] for name in given if name in required and not given[name]}
    if missing:
        raise ValidationError(missing)


def add_exchange_account(
    *,
    user: User,
    exchange_name: str,
    api_key: str = "",
    secret: str = "",
    passphrase: str = "",
    label: str = "",
) -> ExchangeAccount:
    """Connect an exchange by API key, or open a funded paper account for `paper`.

    The key is checked by fetching the balance before anything is saved, outside any
    transaction (an exchange call must not hold row locks): a refused key is a 400
    EXCHANGE_AUTH_FAILED, an unreachable exchange a 502, and nothing is stored either way.
    """
    exchange_name = exchange_name.strip().lower()
    if exchange_name == PAPER:
        return add_paper_account(user=user, label=label)
    if exchange_name == HYPERLIQUID:
        raise ApiError(
            status=400,
            code="USE_AGENT_WALLET",
            message="Hyperliquid connects through an agent wallet: POST /api/v1/exchanges/agent-wallet/init.",
        )
    from apps.exchanges.venues.ccxt_venue import describe_exchange

    info = describe_exchange(exchange_name)
    _require_credentials(info, {"api_key": api_key, "secret": secret, "passphrase": passphrase})

    fingerprint = key_fingerprint(api_key)
    if ExchangeAccount.objects.filter(
        user=user, exchange_name=exchange_name, status=AccountStatus.ACTIVE, key_fingerprint=fingerprint
    ).exists():
        raise _duplicate_key()
    credentials = {"api_key": api_key, "secret": secret}
    if passphrase:
        credentials["passphrase"] = passphrase
    account = ExchangeAccount(
        user=user,
        exchange_name=exchange_name,
        label=label or info.name,
        kind=AccountKind.API_KEY,
        credentials=seal(credentials),
        key_hint=api_key[-4:],
        key_fingerprint=fingerprint,
    )
    account.full_clean(validate_unique=False, validate_constraints=False)
    live_balances(account=account)
    account.last_tested_at = timezone.now()
    try:
        with transaction.atomic():
            account.save(force_insert=True)
            hooks.account_added(account.id)
    except IntegrityError:
        # A concurrent request added the same key between the check above and this insert.
        raise _duplicate_key() from None
    return account


@transaction.atomic
def add_paper_account(*, user: User, label: str = "") -> ExchangeAccount:
    """A paper-exchange account funded with PAPER_STARTING_BALANCE."""
    from apps.exchanges.paper.engine import fund_account

    account = ExchangeAccount(user=user, exchange_name=PAPER, kind=AccountKind.PAPER, label=label or "Paper")
    account.full_clean(validate_unique=False, validate_constraints=False)
    account.save(force_insert=True)
    fund_account(account=account)
    hooks.account_added(account.id)
    return account


@transaction.atomic
def ensure_paper_account(*, user: User) -> ExchangeAccount:
    """The user's active paper account, opened (and funded) if they have none."""
    # The user's row lock makes two simultaneous calls (two approvals) open one account, not two.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = ExchangeAccount.objects.filter(user=user, exchange_name=PAPER, status=AccountStatus.ACTIVE).first()
    return existing or add_paper_account(user=user)


def open_paper_account_on_approval(user_id: UUID) -> None:
    """The accounts app's activation hook (registered in ExchangesConfig.ready): an approved
    user has a paper account ready, so both order APIs work at once, when
    PAPER_ACCOUNT_ON_APPROVAL is on. A paper account the user already has (the demo's, or one
    from an earlier approval) is kept, never doubled."""
    if not settings.PAPER_ACCOUNT_ON_APPROVAL:
        return
    user = User.objects.filter(pk=user_id).first()
    if user is not None and user.is_active:
        ensure_paper_account(user=user)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    latency_ms: int


def check_connection(*, account: ExchangeAccount) -> ConnectionCheck:
    """Fetch the balance and record the outcome on the account; an exchange failure is a result
    here (ok=False with its reason), not an error."""
    started = time.perf_counter()
    try:
        balances = live_balances(account=account)
    except VenueError as exc:
        ok, message = False, str(exc.detail)
    else:
        ok, message = True, f"Connected: {len(balances)} asset(s) in the balance."
    latency_ms = round((time.perf_counter() - started) * 1000)
    account.last_tested_at = timezone.now()
    account.last_error = "" if ok else message[:500]
    ExchangeAccount.objects.filter(pk=account.pk).update(
        last_tested_at=account.last_tested_at, last_error=account.last_error
    )
    return ConnectionCheck(ok=ok, message=message, latency_ms=latency_ms)


def _wipe(account: ExchangeAccount, *, now: datetime) -> None:
    account.status = AccountStatus.REMOVED
    account.credentials = ""
    account.key_fingerprint = ""
    account.removed_at = now
    account.save(update_fields=["status", "credentials", "key_fingerprint", "removed_at"])


def wipe_agent_key(wallet: AgentWallet, *, now: datetime) -> None:
    """Revoke an agent wallet by forgetting its key; the caller holds the row lock."""
    if wallet.status == AgentWalletStatus.REVOKED:
        return
    wallet.status = AgentWalletStatus.REVOKED
    wallet.private_key = ""
    wallet.revoked_at = now
    wallet.save(update_fields=["status", "private_key", "revoked_at"])


@transaction.atomic
def remove_exchange_account(*, account: ExchangeAccount) -> ExchangeAccount:
    """Soft-remove: the row stays (imported trades still point at it), the credentials go.

    Refused with 409 while trades or orders on it are live (the trades app's guard). Removing an agent wallet's account
    revokes the wallet too (its key is wiped), so it can never sign again.
    """
    account = ExchangeAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.REMOVED:
        return account
    refuse_removal_if_in_use(account.id)
    now = timezone.now()
    _wipe(account, now=now)
    wallet = AgentWallet.objects.select_for_update().filter(exchange_account=account).first()
    if wallet is not None:
        wipe_agent_key(wallet, now=now)
    return account
