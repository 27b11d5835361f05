"""/api/v1/journal/upload, /journal/storage, /journal/images/{id}: images checked by their
content, stored without their metadata, within a size limit and the trader's quota, served and
deleted by their owner only; a refused upload leaves neither a file nor a row."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connections
from PIL import Image
from rest_framework.test import APIClient

from apps.journal.models import JournalImage, JournalStorageUsage
from tests.accounts.factories import UserFactory, bearer, sign_in
from tests.journal.factories import JournalTradeFactory

UPLOAD = "/api/v1/journal/upload"
STORAGE = "/api/v1/journal/storage"
GPS_IFD = 0x8825


def picture(fmt: str = "PNG", *, size: tuple[int, int] = (32, 24), exif: Image.Exif | None = None) -> bytes:
    """An image whose pixels differ from one to the next, so PNG cannot shrink it to nothing."""
    image = Image.frombytes("RGB", size, bytes(i * 7 % 251 for i in range(size[0] * size[1] * 3)))
    out = io.BytesIO()
    image.save(out, format=fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def upload(data: bytes, name: str = "chart.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media) -> list:
    return sorted(path for path in media.rglob("*") if path.is_file())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def assert_nothing_stored(user, media) -> None:
    assert stored_files(media) == []
    assert not JournalImage.objects.filter(user=user).exists()
    usage = JournalStorageUsage.objects.filter(user=user).first()
    assert usage is None or (usage.used_bytes, usage.image_count) == (0, 0)


@pytest.mark.django_db
def test_it_stores_an_image_and_serves_it_to_its_owner_only(api, user, auth, media):
    response = api.post(UPLOAD, {"file": upload(picture())}, format="multipart", **auth)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["content_type"], body["width"], body["height"], body["trade_id"]) == ("image/png", 32, 24, None)
    served = api.get(body["url"], **auth)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (32, 24)
    assert api.get(STORAGE, **auth).json() == {"used": body["size"], "quota": 100 * 1024 * 1024, "count": 1}
    stranger = bearer(sign_in(UserFactory()))
    refused = api.get(body["url"], **stranger)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "IMAGE_NOT_FOUND")


@pytest.mark.django_db
def test_it_drops_the_exif_and_gps_of_a_photo(api, user, auth, media):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:12:01 10:00:00"  # DateTime
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)})
    photo = picture("JPEG", exif=exif)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)  # the upload does carry GPS
    response = api.post(UPLOAD, {"file": upload(photo, "photo.jpg", "image/jpeg")}, format="multipart", **auth)
    assert response.status_code == 201, response.json()
    [stored] = stored_files(media)
    kept = Image.open(stored)
    assert kept.format == "JPEG"
    assert dict(kept.getexif()) == {}
    assert b"PhoneMaker" not in stored.read_bytes()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "mode", "content_type"),
    [
        ("PNG", "RGBA", "image/png"),
        ("PNG", "P", "image/png"),
        ("WEBP", "RGBA", "image/webp"),
        ("JPEG", "L", "image/jpeg"),
    ],
)
def test_it_keeps_each_format_and_its_transparency(api, user, auth, media, fmt, mode, content_type):
    source = Image.new(mode, (20, 10))
    out = io.BytesIO()
    source.save(out, format=fmt)
    # Sent with a wrong name and type: only the bytes decide.
    response = api.post(UPLOAD, {"file": upload(out.getvalue(), "x.txt", "text/plain")}, format="multipart", **auth)
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == content_type
    [stored] = stored_files(media)
    kept = Image.open(stored)
    assert (kept.format, kept.size) == (fmt, (20, 10))
    if mode == "RGBA":
        assert kept.mode == "RGBA"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"#!/bin/sh\nrm -rf /\n", "chart.png", "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "chart.svg", "image/svg+xml"),
        (picture()[:200], "truncated.png", "image/png"),
        (picture("GIF"), "chart.png", "image/png"),
    ],
    ids=["script-named-png", "svg", "truncated-png", "gif"],
)
def test_it_refuses_a_file_that_is_not_an_image_whatever_its_name(api, user, auth, media, data, name, content_type):
    response = api.post(UPLOAD, {"file": upload(data, name, content_type)}, format="multipart", **auth)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "NOT_AN_IMAGE")
    assert_nothing_stored(user, media)


@pytest.mark.django_db
def test_it_refuses_a_file_past_the_size_limit(api, user, auth, media, settings):
    data = picture(size=(64, 64))
    settings.JOURNAL_IMAGE_MAX_BYTES = len(data) - 1
    response = api.post(UPLOAD, {"file": upload(data)}, format="multipart", **auth)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "IMAGE_TOO_LARGE")
    assert_nothing_stored(user, media)


@pytest.mark.django_db
def test_it_refuses_an_image_claiming_more_pixels_than_it_may_decode(api, user, auth, media):
    # A tiny PNG of 8,000 x 8,000 blank pixels: 64 megapixels, past the 40 allowed.
    data = _blank_png(8000, 8000)
    response = api.post(UPLOAD, {"file": upload(data)}, format="multipart", **auth)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "IMAGE_TOO_LARGE")
    assert_nothing_stored(user, media)


def _blank_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_it_refuses_an_upload_past_the_quota_and_keeps_the_first(api, user, auth, media, settings):
    first = api.post(UPLOAD, {"file": upload(picture())}, format="multipart", **auth).json()
    settings.JOURNAL_STORAGE_QUOTA_BYTES = first["size"] + first["size"] // 2
    response = api.post(UPLOAD, {"file": upload(picture())}, format="multipart", **auth)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "STORAGE_QUOTA_EXCEEDED")
    assert api.get(STORAGE, **auth).json() == {
        "used": first["size"],
        "quota": settings.JOURNAL_STORAGE_QUOTA_BYTES,
        "count": 1,
    }
    assert len(stored_files(media)) == 1


@pytest.mark.django_db
def test_a_file_written_for_a_failed_transaction_is_removed(api, user, auth, media, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("the insert failed after the file was written")

    monkeypatch.setattr(JournalImage, "save", fail)
    response = api.post(UPLOAD, {"file": upload(picture())}, format="multipart", **auth)
    monkeypatch.undo()
    assert (response.status_code, response.json()["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert_nothing_stored(user, media)


@pytest.mark.django_db
def test_an_image_attached_to_a_trade_is_in_its_detail(api, user, auth, media):
    trade = JournalTradeFactory(user=user)
    body = api.post(UPLOAD, {"file": upload(picture()), "trade_id": str(trade.id)}, format="multipart", **auth).json()
    assert body["trade_id"] == str(trade.id)
    detail = api.get(f"/api/v1/journal/trades/{trade.id}", **auth).json()
    assert detail["images"] == [body]


@pytest.mark.django_db
def test_it_refuses_to_attach_to_another_traders_trade(api, user, auth, media):
    trade = JournalTradeFactory(user=UserFactory())
    response = api.post(UPLOAD, {"file": upload(picture()), "trade_id": str(trade.id)}, format="multipart", **auth)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "TRADE_NOT_FOUND")
    assert_nothing_stored(user, media)


@pytest.mark.django_db
@pytest.mark.parametrize("trade_id", ["", "not-a-uuid"])
def test_it_refuses_a_trade_id_that_is_not_one(api, user, auth, media, trade_id):
    response = api.post(UPLOAD, {"file": upload(picture()), "trade_id": trade_id}, format="multipart", **auth)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert_nothing_stored(user, media)


@pytest.mark.django_db
def test_delete_removes_the_file_after_commit_and_frees_the_quota(
    api, user, auth, media, django_capture_on_commit_callbacks
):
    body = api.post(UPLOAD, {"file": upload(picture())}, format="multipart", **auth).json()
    stranger = bearer(sign_in(UserFactory()))
    assert api.delete(body["url"], **stranger).status_code == 404
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(body["url"], **auth).status_code == 204
    assert_nothing_stored(user, media)
    assert api.get(STORAGE, **auth).json()["count"] == 0
    assert api.get(body["url"], **auth).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_uploads_cannot_pass_the_quota_together(user, media, settings):
    data = picture(size=(48, 48))
    headers = bearer(sign_in(user))
    probe = APIClient().post(UPLOAD, {"file": upload(data)}, format="multipart", **headers).json()
    # Room for exactly one more: each upload alone fits, the two together do not.
    settings.JOURNAL_STORAGE_QUOTA_BYTES = 2 * probe["size"] + probe["size"] // 2
    start = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        try:
            client = APIClient()
            start.wait(timeout=30)
            response = client.post(UPLOAD, {"file": upload(data)}, format="multipart", **headers)
            answers.append((response.status_code, response.json().get("id") or response.json()["error"]["code"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(status for status, _ in answers) == [201, 413], answers
    assert "STORAGE_QUOTA_EXCEEDED" in {code for _, code in answers}
    usage = JournalStorageUsage.objects.get(user=user)
    assert (usage.used_bytes, usage.image_count) == (2 * probe["size"], 2)
    assert JournalImage.objects.filter(user=user).count() == 2
    assert len(stored_files(media)) == 2
