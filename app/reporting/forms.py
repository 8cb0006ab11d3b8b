"""Turning a multipart form (the page's or the API's) into a domain Submission."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import UploadFile

from app.platform.i18n import gettext as _
from app.platform.photos import MAX_UPLOAD_BYTES
from app.platform.text import LONG_TEXT, SHORT_TEXT, TextTooLong, clean_text
from app.reporting.submission import MAX_ADDRESS, MAX_NAME, Submission, SubmissionError


def _float(form, name: str, low: float, high: float, errors: dict) -> float | None:
    raw = (form.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors["location"] = _("The coordinates are not numbers.")
        return None
    if not low <= value <= high:
        errors["location"] = _("The coordinates are out of range.")
        return None
    return value


async def read_submission(request: Request, channel: str) -> Submission:
    form = await request.form()
    errors: dict[str, str] = {}
    lat = _float(form, "lat", -90, 90, errors)
    lon = _float(form, "lon", -180, 180, errors)
    if (lat is None) != (lon is None) and "location" not in errors:
        errors["location"] = _("Give both latitude and longitude.")
    photos: list[bytes] = []
    for upload in form.getall("photos") if "photos" in form else []:
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue  # an empty file input sends a nameless part
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            errors["photos"] = _("Photo %(name)s is larger than %(limit)d MB. Send a smaller photo.") % {
                "name": upload.filename,
                "limit": MAX_UPLOAD_BYTES // 1_048_576,
            }
        photos.append(data)
    if errors:
        raise SubmissionError(errors)
    key = request.headers.get("idempotency-key") or form.get("idempotency_key") or None
    try:
        return Submission(
            category=clean_text(form.get("category"), SHORT_TEXT, "category"),
            description=clean_text(form.get("description"), LONG_TEXT, "description", multiline=True),
            lat=lat,
            lon=lon,
            location_source="map" if form.get("location_source") == "map" else "gps",
            address=clean_text(form.get("address"), MAX_ADDRESS, "address"),
            ward_code=clean_text(form.get("ward_code"), SHORT_TEXT, "ward_code"),
            photos=photos,
            name=clean_text(form.get("name"), MAX_NAME, "name"),
            phone=clean_text(form.get("phone"), SHORT_TEXT, "phone"),
            email=clean_text(form.get("email"), SHORT_TEXT, "email"),
            show_name=(form.get("show_name") or "").lower() in ("1", "on", "true", "yes"),
            channel=channel,
            idempotency_key=clean_text(key, 100, "Idempotency-Key") or None,  # the column's width
        )
    except TextTooLong as too_long:
        raise SubmissionError({too_long.field: str(too_long)}) from None
