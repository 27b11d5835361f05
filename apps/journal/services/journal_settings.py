"""The trader's journal settings: the default stop distance R is measured against when no stop
was planned, and the time zone of the daily P&L and the time distribution."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from apps.journal.models import JournalSettings, JournalTrade
from apps.journal.services.rollups import refresh_rollups
from apps.journal.services.updates import update_journal_series

if TYPE_CHECKING:
    from apps.accounts.models import User


def journal_settings(*, user: User) -> JournalSettings:
    """The trader's settings (the defaults, unsaved, before they change one)."""
    return JournalSettings.objects.filter(user=user).first() or JournalSettings(user=user)


@transaction.atomic
def update_journal_settings(
    *, user: User, default_stop_percent: Decimal | None = None, time_zone: str | None = None
) -> JournalSettings:
    """Change the settings given; a new default stop distance measures every `stop_assumed`
    trade's R against it before this returns.

    The R is recomputed by matching each series that has such a trade again
    (`update_journal_series`, which reads the stop from the row saved here): the same function
    as an update and a rebuild, so the numbers are exactly what a rebuild would write, and a
    trade with a planned stop is left as it was. The settings row is locked first, the lock an
    import takes too, so an import and a change of stop cannot interleave. A new time zone sums
    the rollups of days and hours again (services/rollups.py)."""
    JournalSettings.objects.bulk_create([JournalSettings(user=user)], ignore_conflicts=True)
    current = JournalSettings.objects.select_for_update().get(user=user)
    stop_changed = default_stop_percent is not None and default_stop_percent != current.default_stop_percent
    zone_changed = time_zone is not None and time_zone != current.time_zone
    if default_stop_percent is not None:
        current.default_stop_percent = default_stop_percent
    if time_zone is not None:
        current.time_zone = time_zone
    current.full_clean()
    current.save()
    if stop_changed:
        series = (
            JournalTrade.objects.filter(user=user, stop_assumed=True)
            .values_list("exchange_account_id", "symbol")
            .distinct()
            .order_by()
        )
        for account_id, symbol in sorted(series, key=lambda s: (str(s[0]), s[1])):
            # full: the assumed-stop trades before the series' last flat point change too.
            update_journal_series(user_id=user.pk, exchange_account_id=account_id, symbol=symbol, full=True)
    if zone_changed:
        # Days and hours are the trader's: every rollup of them moves.
        refresh_rollups(user_id=user.pk)
    return current
