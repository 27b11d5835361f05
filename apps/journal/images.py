"""What an uploaded journal image is, decided by its bytes alone: Pillow decodes it whole (a
name or a declared type proves nothing), and it is re-encoded from its pixels, so nothing the
camera or the screenshot tool wrote beside them (EXIF with GPS, comments, text chunks, thumbnails)
is stored. No database, no storage: apps/journal/services/images.py does the rest.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps

from apps.core.errors import ApiError

# Pillow format -> (stored content type, file extension, the modes it writes as they are).
FORMATS = {
    "PNG": ("image/png", "png", {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}),
    "JPEG": ("image/jpeg", "jpg", {"L", "RGB", "CMYK"}),
    "WEBP": ("image/webp", "webp", {"RGB", "RGBA"}),
}
# A few kilobytes of PNG can claim a 100,000 x 100,000 canvas: the size is read from the header
# and refused before a pixel is decoded. 40 megapixels is far past any screen.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _not_an_image() -> ApiError:
    return ApiError(
        status=400, code="NOT_AN_IMAGE", message="The file is not a PNG, JPEG or WebP image that can be read."
    )


def clean_image(source: IO[bytes]) -> CleanImage:
    """`source` decoded and re-encoded in its own format without metadata, its EXIF orientation
    applied to the pixels first (a phone photo stays upright); a 400 when it is not a whole PNG,
    JPEG or WebP image."""
    try:
        with Image.open(source) as opened:
            if opened.format not in FORMATS:
                raise _not_an_image()
            if opened.width * opened.height > MAX_PIXELS:
                raise ApiError(
                    status=400,
                    code="IMAGE_TOO_LARGE",
                    message=f"The image is {opened.width}x{opened.height} pixels; at most {MAX_PIXELS:,} are taken.",
                )
            image_format = opened.format
            opened.load()  # decodes every byte: a truncated or forged body fails here
            upright = ImageOps.exif_transpose(opened)
    except ApiError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    content_type, extension, modes = FORMATS[image_format]
    if upright.mode not in modes:
        see_through = "A" in upright.getbands() or "transparency" in upright.info
        upright = upright.convert("RGBA" if see_through and "RGBA" in modes else "RGB")
    upright.info = {}  # what an encoder would otherwise copy across (comments, text, ICC, EXIF)
    out = io.BytesIO()
    upright.save(out, format=image_format, **({"quality": 90} if image_format != "PNG" else {}))
    return CleanImage(out.getvalue(), content_type, extension, upright.width, upright.height)
