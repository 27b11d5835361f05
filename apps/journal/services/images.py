"""Journal images: an upload within the size limit and the trader's quota, and its deletion.

The bytes live in Django's default storage (local files or an S3-compatible bucket, settings'
STORAGES), the row and the usage counter in the database; no path leaves one without the other.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from apps.core.errors import ApiError
from apps.journal.images import clean_image
from apps.journal.models import JournalImage, JournalStorageUsage
from apps.journal.selectors import journal_image
from apps.journal.services.annotations import locked_trade

if TYPE_CHECKING:
    from django.core.files import File

    from apps.accounts.models import User

logger = logging.getLogger(__name__)


def _locked_usage(*, user: User) -> JournalStorageUsage:
    # The row is made on first use; ignore_conflicts lets two first uploads both get past here.
    JournalStorageUsage.objects.bulk_create([JournalStorageUsage(user=user)], ignore_conflicts=True)
    return JournalStorageUsage.objects.select_for_update().get(user=user)


def _remove_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        # The row is gone either way; a file left behind costs disk, never a wrong answer.
        logger.warning("journal image file %s could not be removed", name, exc_info=True)


def upload_image(*, user: User, upload: File, trade_id: UUID | str | None = None) -> JournalImage:
    """Store `upload` as one of the trader's images, on one of their trades if `trade_id` is set.

    1. Past JOURNAL_IMAGE_MAX_BYTES as sent: a 413, before anything decodes it.
    2. Decoded and re-encoded without metadata (apps/journal/images.py), outside the transaction:
       the CPU work holds no lock. Not an image: a 400.
    3. One durable transaction: the trader's usage row is locked first, so a second upload waits
       here and then sees the first one's bytes; the stored size past
       JOURNAL_STORAGE_QUOTA_BYTES is a 413; the trade is checked (404); the file is written,
       the row inserted, the usage raised.
    4. If anything fails after the file was written, the commit included, the file is removed:
       durable=True makes that commit this block's own, not a caller's that could still roll back.
    """
    limit = settings.JOURNAL_IMAGE_MAX_BYTES
    if upload.size > limit:
        raise ApiError(
            status=413, code="IMAGE_TOO_LARGE", message=f"The file is {upload.size} bytes; at most {limit} are taken."
        )
    image = clean_image(upload)
    size = len(image.data)
    written: str | None = None
    try:
        with transaction.atomic(durable=True):
            usage = _locked_usage(user=user)
            quota = settings.JOURNAL_STORAGE_QUOTA_BYTES
            if usage.used_bytes + size > quota:
                raise ApiError(
                    status=413,
                    code="STORAGE_QUOTA_EXCEEDED",
                    message=f"The image takes {size} bytes and {max(quota - usage.used_bytes, 0)} of your "
                    f"{quota} are left: delete images to make room.",
                )
            trade = locked_trade(user=user, trade_id=trade_id) if trade_id is not None else None
            image_id = uuid4()
            written = default_storage.save(f"journal/{user.pk}/{image_id}.{image.extension}", ContentFile(image.data))
            row = JournalImage(
                id=image_id,
                user=user,
                trade=trade,
                file=written,
                content_type=image.content_type,
                size_bytes=size,
                width=image.width,
                height=image.height,
            )
            row.full_clean()
            row.save(force_insert=True)
            usage.used_bytes += size
            usage.image_count += 1
            usage.save(update_fields=["used_bytes", "image_count"])
    except BaseException:
        if written is not None:
            _remove_file(written)
        raise
    return row


def delete_image(*, user: User, image_id: UUID | str) -> None:
    """Delete one of the trader's images (404 for anyone else's) and give its bytes back to the
    quota; the file is removed once that has committed, so a rollback never loses it."""
    with transaction.atomic():
        usage = _locked_usage(user=user)  # the same lock order as an upload: usage, then image
        image = journal_image(user=user, image_id=image_id, lock=True)
        image.delete()
        usage.used_bytes -= image.size_bytes
        usage.image_count -= 1
        usage.save(update_fields=["used_bytes", "image_count"])
        transaction.on_commit(partial(_remove_file, image.file))
