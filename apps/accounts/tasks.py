from __future__ import annotations

from celery import shared_task

from apps.accounts.services.housekeeping import purge_expired_credentials as purge


@shared_task(name="apps.accounts.tasks.purge_expired_credentials")
def purge_expired_credentials() -> dict[str, int]:
    result = purge()
    return {"sessions": result.sessions, "pairing_codes": result.pairing_codes}
