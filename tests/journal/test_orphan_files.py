"""Image files with no row (a failed upload's, a deleted trader's) are swept, once an hour old."""

from __future__ import annotations

import os
import time
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from apps.journal.services.orphans import remove_orphan_files
from apps.journal.tasks import remove_orphan_journal_files
from config.celery import app
from tests.accounts.factories import UserFactory
from tests.journal.factories import JournalImageFactory

pytestmark = pytest.mark.django_db
HOUR = 3600


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def put(media, name: str, *, age_seconds: int) -> str:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG...")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return name


def remaining(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


@pytest.fixture
def files(media, user):
    """An image with its row, a failed upload's file an hour and more old, one in flight, and a
    deleted trader's two files."""
    kept = put(media, f"journal/{user.pk}/kept.png", age_seconds=5 * HOUR)
    JournalImageFactory(user=user, file=kept)
    gone = UserFactory()
    for name in ("a.png", "b.jpg"):
        JournalImageFactory(user=gone, file=put(media, f"journal/{gone.pk}/{name}", age_seconds=2 * HOUR))
    gone_pk = gone.pk
    gone.delete()
    return {
        "kept": kept,
        "failed": put(media, f"journal/{user.pk}/failed.png", age_seconds=HOUR + 60),
        "in_flight": put(media, f"journal/{user.pk}/in-flight.png", age_seconds=60),
        "deleted_user": [f"journal/{gone_pk}/a.png", f"journal/{gone_pk}/b.jpg"],
    }


def test_it_removes_files_without_a_row_older_than_an_hour(media, files):
    sweep = remove_orphan_files()
    assert sweep.checked == 5
    assert sorted(sweep.removed) == sorted([files["failed"], *files["deleted_user"]])
    assert remaining(media) == sorted([files["kept"], files["in_flight"]])


def test_a_dry_run_only_lists_them(media, files):
    assert len(remove_orphan_files(dry_run=True).removed) == 3
    assert len(remaining(media)) == 5


def test_the_command_reports_what_it_removed(media, files):
    out = StringIO()
    call_command("remove_orphan_journal_files", "--older-than", "0", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "5 files checked, removed 4."  # the one in flight too, past 0 minutes
    assert files["in_flight"] in lines
    assert remaining(media) == [files["kept"]]


def test_nothing_uploaded_yet_is_nothing_to_do(media):
    assert remove_orphan_files().checked == 0


def test_the_beat_runs_the_sweep_every_hour(media, files):
    entry = django_settings.CELERY_BEAT_SCHEDULE["remove-orphan-journal-files"]
    assert entry["schedule"].total_seconds() == HOUR
    assert app.tasks[entry["task"]].name == remove_orphan_journal_files.name
    remove_orphan_journal_files()
    assert remaining(media) == sorted([files["kept"], files["in_flight"]])
