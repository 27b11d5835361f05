"""The trader's tags: unique per trader whatever the case of their letters (a database
constraint, so two requests at once cannot both create one)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from apps.core.errors import ApiError
from apps.journal.models import JournalTag
from apps.journal.selectors import journal_tag

if TYPE_CHECKING:
    from apps.accounts.models import User


def _taken(name: str) -> ApiError:
    return ApiError(status=409, code="TAG_EXISTS", message=f"You already have a tag named {name!r}.")


@transaction.atomic
def create_tag(*, user: User, name: str, color: str = "") -> JournalTag:
    tag = JournalTag(user=user, name=name, color=color)
    tag.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        raise _taken(name) from None
    return tag


@transaction.atomic
def get_or_create_tag(*, user: User, name: str) -> JournalTag:
    """The trader's tag called `name` (any case), made if they have none."""
    found = JournalTag.objects.annotate(lower=Lower("name")).filter(user=user, lower=name.lower()).first()
    if found is not None:
        return found
    try:
        return create_tag(user=user, name=name)
    except ApiError:
        # Made by a request that committed since the read above.
        return JournalTag.objects.annotate(lower=Lower("name")).get(user=user, lower=name.lower())


@transaction.atomic
def update_tag(*, user: User, tag_id: UUID | str, name: str, color: str = "") -> JournalTag:
    tag = journal_tag(user=user, tag_id=tag_id, lock=True)
    tag.name, tag.color = name, color
    tag.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            tag.save(update_fields=["name", "color"])
    except IntegrityError:
        raise _taken(name) from None
    return tag


@transaction.atomic
def delete_tag(*, user: User, tag_id: UUID | str) -> None:
    """Delete the tag and take it off every trade that carried it."""
    journal_tag(user=user, tag_id=tag_id, lock=True).delete()
