"""Reads of exchange accounts shared by views, services and tasks."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.core.errors import ApiError
from apps.exchanges.models import AccountStatus, ExchangeAccount


def active_accounts(*, user: User) -> QuerySet[ExchangeAccount]:
    return ExchangeAccount.objects.filter(user=user, status=AccountStatus.ACTIVE).order_by("created_at")


def account_for(*, user: User, account_id: UUID | str) -> ExchangeAccount:
    """The user's active account, or a 404 that does not say whether someone else owns it."""
    try:
        return active_accounts(user=user).get(id=account_id)
    except (ExchangeAccount.DoesNotExist, ValidationError, ValueError, TypeError):
        raise ApiError(status=404, code="EXCHANGE_ACCOUNT_NOT_FOUND", message="Exchange account not found.") from None


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
