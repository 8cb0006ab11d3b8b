"""Real image files made with Pillow, for the upload tests."""

from __future__ import annotations

import io
from functools import cache

from PIL import ExifTags, Image


def jpeg(size=(1200, 900), gps: tuple[float, float] | None = None, orientation: int | None = None,
         maker: str = "PhoneMaker X1") -> bytes:  # fmt: skip
    image = Image.new("RGB", size, (90, 120, 150))
    image.paste((200, 40, 40), (0, 0, size[0] // 2, size[1] // 4))  # a red block, top left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = maker
    exif[ExifTags.Base.Model] = "Model 7"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        lat, lon = gps

        def dms(value: float) -> tuple[float, float, float]:
            degrees = int(abs(value))
            minutes = int((abs(value) - degrees) * 60)
            return (float(degrees), float(minutes), (abs(value) - degrees - minutes / 60) * 3600)

        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            ExifTags.GPS.GPSLongitude: dms(lon),
        }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def encoded(fmt: str, size=(640, 480), **params) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 160, 90)).save(out, fmt, **params)
    return out.getvalue()


def bomb() -> bytes:
    """A tiny PNG that claims 30,000 × 30,000 pixels: 900 MP once decoded."""
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


@cache
def compressible_png(side: int = 7000) -> bytes:
    """A flat-coloured PNG: ~160 KB sent, 49 MP (some 200 MB) once decoded at 7000 px."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()
