"""What a trader writes on a journal trade: notes, and the tags it carries.

Only these columns and rows are the trader's; the trade's numbers belong to the fills
(apps/journal/services/updates.py), which never touch them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.errors import ApiError
from apps.journal.models import JournalTrade, JournalTradeTag
from apps.journal.selectors import journal_tag
from apps.journal.services.tags import get_or_create_tag

if TYPE_CHECKING:
    from apps.accounts.models import User


def locked_trade(*, user: User, trade_id: UUID | str) -> JournalTrade:
    try:
        return JournalTrade.objects.select_for_update().get(user=user, id=trade_id)
    except (JournalTrade.DoesNotExist, ValidationError, ValueError, TypeError):
        raise ApiError(status=404, code="TRADE_NOT_FOUND", message="Journal trade not found.") from None


@transaction.atomic
def update_trade_notes(*, user: User, trade_id: UUID | str, notes: str) -> None:
    trade = locked_trade(user=user, trade_id=trade_id)
    trade.notes = notes
    trade.save(update_fields=["notes", "updated_at"])


@transaction.atomic
def tag_trade(*, user: User, trade_id: UUID | str, tag_id: UUID | None = None, name: str | None = None) -> bool:
    """Put one of the trader's tags on one of their trades (by id, or by name, creating the tag).
    True when it was not on the trade yet; tagging twice changes nothing."""
    trade = locked_trade(user=user, trade_id=trade_id)
    tag = journal_tag(user=user, tag_id=tag_id) if tag_id is not None else get_or_create_tag(user=user, name=name)
    try:
        with transaction.atomic():
            JournalTradeTag.objects.create(trade=trade, tag=tag)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def untag_trade(*, user: User, trade_id: UUID | str, tag_id: UUID | str) -> None:
    trade = locked_trade(user=user, trade_id=trade_id)
    tag = journal_tag(user=user, tag_id=tag_id)
    deleted, _ = JournalTradeTag.objects.filter(trade=trade, tag=tag).delete()
    if not deleted:
        raise ApiError(status=404, code="TAG_NOT_ON_TRADE", message="This trade does not carry that tag.")
