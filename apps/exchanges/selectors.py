"""Reads of exchange accounts shared by views, services and tasks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.core.errors import ApiError
from apps.core.rows import uuid_param
from apps.exchanges.crypto import InvalidToken
from apps.exchanges.models import AccountKind, AccountStatus, AgentWallet, ExchangeAccount
from apps.exchanges.venues import PAPER, Venue, venue_for
from apps.exchanges.venues.base import Balance, Position, VenueError

logger = logging.getLogger(__name__)
T = TypeVar("T")


def active_accounts(*, user: User) -> QuerySet[ExchangeAccount]:
    return ExchangeAccount.objects.filter(user=user, status=AccountStatus.ACTIVE).order_by("created_at")


def _not_found() -> ApiError:
    return ApiError(status=404, code="EXCHANGE_ACCOUNT_NOT_FOUND", message="Exchange account not found.")


# Raw SQL: every trade reads its account twice (once to check, once to lock it), and the ORM's
# compile of these cost more than running them.
_ACTIVE = "SELECT * FROM exchanges_exchangeaccount WHERE id = %s AND status = %s"


def account_for(*, user: User, account_id: UUID | str) -> ExchangeAccount:
    """The user's active account, or a 404 that does not say whether someone else owns it."""
    try:
        params = [uuid_param(account_id), AccountStatus.ACTIVE, uuid_param(user.pk)]
    except (ValidationError, ValueError, TypeError):
        raise _not_found() from None
    found = list(ExchangeAccount.objects.raw(_ACTIVE + " AND user_id = %s", params))
    if not found:
        raise _not_found()
    return found[0]


def default_account(*, user: User) -> ExchangeAccount:
    """The account a ticket without `exchange_account_id` goes to: the user's oldest active one."""
    account = active_accounts(user=user).first()
    if account is None:
        raise ApiError(
            status=400,
            code="NO_EXCHANGE_ACCOUNT",
            message="Add an exchange account (or a paper account) before trading.",
        )
    return account


def agent_wallet_for(*, user: User, wallet_id: UUID | str) -> AgentWallet:
    """The user's agent wallet, or a 404 that does not say whether someone else owns it."""
    try:
        return AgentWallet.objects.get(user=user, id=wallet_id)
    except (AgentWallet.DoesNotExist, ValidationError, ValueError, TypeError):
        raise ApiError(status=404, code="AGENT_WALLET_NOT_FOUND", message="Agent wallet not found.") from None


# --- what the exchanges offer, and live reads through an account's venue ---------------------


@dataclass(frozen=True)
class ExchangeListing:
    """One exchange a trader can connect, as the add-account form shows it."""

    id: str
    name: str
    kind: str  # an AccountKind: how the account is connected
    requires_passphrase: bool
    has_spot: bool
    has_derivatives: bool
    credentials: tuple[str, ...]  # the fields POST /exchanges/accounts (or the agent-wallet flow) needs


HYPERLIQUID = "hyperliquid"
# What POST /exchanges/accounts takes for an API-key account.
API_KEY_FIELDS = ("api_key", "secret", "passphrase")
_PAPER_LISTING = ExchangeListing(
    id=PAPER,
    name="Paper exchange",
    kind=AccountKind.PAPER,
    requires_passphrase=False,
    has_spot=True,
    has_derivatives=True,
    credentials=(),
)
_HYPERLIQUID_LISTING = ExchangeListing(
    id=HYPERLIQUID,
    name="Hyperliquid",
    kind=AccountKind.AGENT_WALLET,
    requires_passphrase=False,
    has_spot=True,
    has_derivatives=True,
    credentials=("master_address",),
)


def available_exchanges() -> list[ExchangeListing]:
    """The paper exchange first, then every supported ccxt exchange; Hyperliquid connects
    through an agent wallet rather than an API key."""
    from apps.exchanges.venues.ccxt_venue import supported_exchanges

    listings = [_PAPER_LISTING]
    for info in supported_exchanges():
        if info.id == PAPER:
            continue
        if info.id == HYPERLIQUID:
            listings.append(_HYPERLIQUID_LISTING)
            continue
        if not set(info.credentials) <= set(API_KEY_FIELDS):
            continue  # needs something an API-key account does not take (a uid, a wallet key)
        listings.append(
            ExchangeListing(
                id=info.id,
                name=info.name,
                kind=AccountKind.API_KEY,
                requires_passphrase=info.requires_passphrase,
                has_spot=info.has_spot,
                has_derivatives=info.has_derivatives,
                credentials=tuple(name for name in API_KEY_FIELDS if name in {"api_key", "secret", *info.credentials}),
            )
        )
    if _HYPERLIQUID_LISTING not in listings:
        listings.append(_HYPERLIQUID_LISTING)
    return listings


def _through_venue(account: ExchangeAccount, read: Callable[[Venue], T]) -> T:
    """Run one read on the account's venue; whatever goes wrong is an API error, never a 500."""
    try:
        return read(venue_for(account))
    except VenueError:
        raise
    except InvalidToken:
        logger.error("Credentials of exchange account %s cannot be opened with FIELD_ENCRYPTION_KEYS", account.pk)
        raise VenueError("The stored credentials cannot be decrypted; remove the account and add it again.") from None
    except Exception:
        # Log where it failed, not what was sent: the venue held decrypted credentials.
        logger.exception("Unexpected failure reading %s through its venue", account.exchange_name)
        raise VenueError(f"{account.exchange_name} answered in a way the platform did not understand.") from None


def live_balances(*, account: ExchangeAccount) -> list[Balance]:
    return _through_venue(account, lambda venue: venue.fetch_balance())


def live_positions(*, account: ExchangeAccount) -> list[Position]:
    return _through_venue(account, lambda venue: venue.fetch_positions())


def lock_active_account(*, account_id: UUID | str) -> ExchangeAccount:
    """The account's row, locked for the caller's transaction: whoever opens a trade on it holds
    this lock, so a concurrent removal waits and then sees the trade (and refuses). NO KEY UPDATE:
    it still queues placements and removals, but lets the rows that merely reference the account
    (orders sent meanwhile, checked at commit) through instead of deadlocking with them."""
    features = connection.features
    lock = " FOR UPDATE" if features.has_select_for_update else ""  # SQLite locks the whole database
    if features.has_select_for_no_key_update:
        lock = " FOR NO KEY UPDATE"
    found = list(ExchangeAccount.objects.raw(_ACTIVE + lock, [uuid_param(account_id), AccountStatus.ACTIVE]))
    if not found:
        raise _not_found()
    return found[0]
