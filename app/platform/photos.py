"""The photo pipeline: judge the bytes, orient, shrink, strip every piece of metadata.

Residents' phones put GPS position, device model and time into every photo; none of that
may reach the public. So a photo is decoded, its pixels copied into a fresh image, and only
those pixels are encoded again. The GPS tags are read first, because they can place a report.
CPU-heavy and memory-hungry: callers on the event loop use `process_photos`, which decodes a
request's photos in a short-lived child process (see docs/media-limits.md for the limits).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import multiprocessing
import os
import resource
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps
from pillow_heif import register_heif_opener

from app.platform.i18n import current_language
from app.platform.i18n import gettext as _

register_heif_opener()

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# 50 MP covers every phone camera in use; beyond it is a decompression bomb, not a photo.
MAX_PIXELS = 50_000_000
# Per request: five 16 MP phone photos, or one 50 MP photo with a few ordinary ones. A
# PNG of 50 MP compresses to a few hundred KB and takes seconds and ~450 MB to decode, so the
# sum over a request is what bounds the work a small upload can cause.
MAX_REQUEST_PIXELS = 80_000_000
# Decodes at once per server process; the rest wait their turn instead of adding up in memory.
DECODE_CONCURRENCY = 2
# Address space of one decoding child: one 50 MP photo peaks near 450 MB.
DECODE_MEMORY_BYTES = 1024 * 1024 * 1024
DISPLAY_SIZE = 1600
THUMBNAIL_SIZE = 400
JPEG_QUALITY = 82


class PhotoRejected(ValueError):
    """The upload is not a photo we can accept; the message says why, for the resident.

    `number` is the photo's place in its request (from 1) when one photo is at fault."""

    def __init__(self, message: str, number: int | None = None) -> None:
        super().__init__(message, number)  # both in args, so it crosses a process boundary
        self.message, self.number = message, number

    def __str__(self) -> str:
        return self.message


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
    return round(latitude, 6), round(longitude, 6)  # ~0.1 m; more digits are noise


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


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            _("The photo is %(size)d MB; the limit is %(limit)d MB. Send a smaller photo.")
            % {"size": round(len(data) / 1_048_576), "limit": MAX_UPLOAD_BYTES // 1_048_576}
        )
    if not data:
        raise PhotoRejected(_("The photo file is empty."))


@contextmanager
def _untrusted_bytes():
    """Reading uploaded bytes: whatever the decoder raises (OSError, struct.error, TypeError from
    a malformed EXIF block…) means "not a photo we can read", never a server error."""
    try:
        yield
    except (PhotoRejected, MemoryError):  # the decoding child names running out of memory itself
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_("The image is too large to be a photo.")) from None
    except Exception:
        raise PhotoRejected(
            _("This file is not a photo we can read. Send a JPEG, PNG, WebP or HEIC photo.")
        ) from None


def _opened(data: bytes) -> Image.Image:
    """The image with its header read and its structure checked, but no pixels decoded."""
    _check_size(data)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with _untrusted_bytes():
        image = _open(data)
    if image.width * image.height > MAX_PIXELS:
        raise PhotoRejected(_("The image is too large to be a photo."))
    return image


def process_photo(data: bytes) -> ProcessedPhoto:
    """One photo, decoded in this process: for trusted input (demo data) and the decoding
    child. Requests go through `process_photos`."""
    image = _opened(data)
    with _untrusted_bytes():
        gps = read_gps(image)
        if image.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT: a 12 MP photo is read
            # several times faster. draft() keeps both sides at least the size asked for, so
            # ask for the display box in the photo's own proportions.
            scale = DISPLAY_SIZE / max(image.size)
            image.draft("RGB", (int(image.width * scale), int(image.height * scale)))
        image = ImageOps.exif_transpose(image)
        image.load()

    image = image.convert("RGB")
    image.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # A fresh image holding only pixels: nothing of the original's metadata travels on.
    display = Image.new("RGB", image.size)
    display.paste(image)
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


def _pixels(data: bytes) -> int:
    image = _opened(data)
    return image.width * image.height


def _judge(photos: Sequence[bytes]) -> None:
    """Refuse a request before any decoding: each photo by its header, all by their sum."""
    total = 0
    for number, data in enumerate(photos, start=1):
        try:
            total += _pixels(data)
        except PhotoRejected as rejected:
            raise PhotoRejected(rejected.message, number) from None
    if total > MAX_REQUEST_PIXELS:
        raise PhotoRejected(
            _("These photos have %(total)d megapixels together; the limit is %(limit)d "
              "megapixels. Send fewer or smaller photos.")
            % {"total": total // 1_000_000, "limit": MAX_REQUEST_PIXELS // 1_000_000}
        )  # fmt: skip


def _limit_memory(limit: int) -> None:
    """In the decoding child: past this much address space allocation fails (MemoryError)
    instead of the machine swapping."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _process_in_child(photos: Sequence[bytes], language: str) -> list[ProcessedPhoto]:
    current_language.set(language)  # the child's messages speak the request's language
    processed = []
    for number, data in enumerate(photos, start=1):
        try:
            processed.append(process_photo(data))
        except PhotoRejected as rejected:
            raise PhotoRejected(rejected.message, number) from None
        except MemoryError:
            raise PhotoRejected(_("The image is too large to be a photo."), number) from None
    return processed


# A fresh child per request, forked from a small server process: when it exits, every byte
# the decoder took goes back to the system, which a long-lived worker's heap never promises.
_children = multiprocessing.get_context("forkserver")
_children.set_forkserver_preload([__name__])
# Its threads only wait on children; their number is how many decodes run at once.
_decode_slots = ThreadPoolExecutor(DECODE_CONCURRENCY, thread_name_prefix="photo-decode")


def _decode_in_child(photos: Sequence[bytes], language: str) -> list[ProcessedPhoto]:
    try:
        with ProcessPoolExecutor(
            1, mp_context=_children, initializer=_limit_memory, initargs=(DECODE_MEMORY_BYTES,)
        ) as child:
            return child.submit(_process_in_child, photos, language).result()
    except BrokenProcessPool:  # the child was killed, most likely by the memory limit
        raise PhotoRejected(_("These photos could not be processed. Send fewer or smaller photos.")) from None


async def process_photos(photos: Sequence[bytes]) -> list[ProcessedPhoto]:
    """A request's photos, refused whole when too large together (PhotoRejected says why and,
    when one photo is at fault, which), otherwise decoded in a child process off the loop."""
    if not photos:
        return []
    await asyncio.to_thread(_judge, photos)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_decode_slots, _decode_in_child, list(photos), current_language.get())


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
        try:
            # Stored before, perhaps for another request: renewing its time keeps the media
            # sweep from taking it while this request has yet to commit its row.
            os.utime(path)
            return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of its own for every writer (two uploads of one photo may race),
        # renamed into place: readers see the whole file or none.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def keep_document(self, digest: str, data: bytes) -> None:
        """A published PDF, served as it was sent."""
        self._write(self.root / "docs" / f"{digest}.pdf", data)

    def keep(self, digest: str, original: bytes) -> None:
        """Keep an upload as it came (only where ORIGINALS_DIR is set; never served)."""
        self._write(self.root / digest[:2] / f"{digest}.original", original)

    def save(self, photo: ProcessedPhoto) -> None:
        self._write(self.path(photo.digest, "thumb"), photo.thumbnail)
        self._write(self.path(photo.digest), photo.display)


def media_stores(settings) -> tuple[MediaStore, MediaStore | None]:
    """Where processed photos go, and where originals are kept when ORIGINALS_DIR is set."""
    originals = MediaStore(settings.originals_dir) if settings.originals_dir else None
    return MediaStore(settings.media_dir), originals
