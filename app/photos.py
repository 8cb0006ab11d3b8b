"""The photo pipeline: judge the bytes, orient, shrink, strip every piece of metadata.

Residents' phones put GPS position, device model and time into every photo; none of that
may reach the public. So a photo is decoded, its pixels copied into a fresh image, and only
those pixels are encoded again. The GPS tags are read first, because they can place a report.
CPU-heavy: callers on the event loop run `process_photo` in a worker thread.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# 50 MP covers every phone camera in use; beyond it is a decompression bomb, not a photo.
MAX_PIXELS = 50_000_000
DISPLAY_SIZE = 1600
THUMBNAIL_SIZE = 400
JPEG_QUALITY = 82


class PhotoRejected(ValueError):
    """The upload is not a photo we can accept; the message says why, for the resident."""


@dataclass(frozen=True)
class ProcessedPhoto:
    digest: str
    width: int
    height: int
    display: bytes
    thumbnail: bytes
    gps: tuple[float, float] | None


def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def read_gps(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from EXIF GPS tags, or None when absent or unusable."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        lat_ref, lat = gps.get(ExifTags.GPS.GPSLatitudeRef), gps.get(ExifTags.GPS.GPSLatitude)
        lon_ref, lon = gps.get(ExifTags.GPS.GPSLongitudeRef), gps.get(ExifTags.GPS.GPSLongitude)
        if not (lat and lon):
            return None
        to_degrees = lambda dms: sum(_rational(x) / 60**i for i, x in enumerate(dms))  # noqa: E731
        latitude, longitude = to_degrees(lat), to_degrees(lon)
    except (KeyError, ValueError, TypeError, ZeroDivisionError, AttributeError):
        return None
    if lat_ref in ("S", b"S"):
        latitude = -latitude
    if lon_ref in ("W", b"W"):
        longitude = -longitude
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    return latitude, longitude


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns between MAX_IMAGE_PIXELS and twice that; we refuse at the first sign.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        image.verify()  # structure check; the verified object cannot be used any further
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    return image


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(data: bytes) -> ProcessedPhoto:
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            f"The photo is {len(data) / 1_048_576:.0f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1_048_576} MB. Send a smaller photo."
        )
    if not data:
        raise PhotoRejected("The photo file is empty.")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = _open(data)
        if image.width * image.height > MAX_PIXELS:
            raise PhotoRejected("The image is too large to be a photo.")
        gps = read_gps(image)
        if image.format == "JPEG":
            # Decode at reduced scale straight from the DCT: several times faster on 12 MP.
            image.draft("RGB", (DISPLAY_SIZE, DISPLAY_SIZE))
        image = ImageOps.exif_transpose(image)
        image.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected("The image is too large to be a photo.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(
            "This file is not a photo we can read. Send a JPEG, PNG, WebP or HEIC photo."
        ) from None

    # A fresh image holding only pixels: nothing of the original's metadata travels on.
    pixels = image.convert("RGB")
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    display = clean.copy()
    display.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), Image.Resampling.LANCZOS)
    thumbnail = display.copy()
    thumbnail.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    display_bytes = _encode(display)
    return ProcessedPhoto(
        digest=hashlib.sha256(display_bytes).hexdigest(),
        width=display.width,
        height=display.height,
        display=display_bytes,
        thumbnail=_encode(thumbnail),
        gps=gps,
    )


def media_name(digest: str, variant: str = "display") -> str:
    """Where a photo lives below the media root, and below /media/ on the web.

    Sharded by the first two hex digits so no folder grows past a few thousand files.
    """
    suffix = ".jpg" if variant == "display" else f".{variant}.jpg"
    return f"{digest[:2]}/{digest}{suffix}"


class MediaStore:
    """Files addressed by content: the same photo is stored once, and a name never lies."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str, variant: str = "display") -> Path:
        return self.root / media_name(digest, variant)

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: readers see the whole file or none

    def save(self, photo: ProcessedPhoto) -> None:
        self._write(self.path(photo.digest, "thumb"), photo.thumbnail)
        self._write(self.path(photo.digest), photo.display)
