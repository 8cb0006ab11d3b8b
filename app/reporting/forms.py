"""Turning a multipart form (the page's or the API's) into a domain Submission."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import UploadFile

from app.platform.i18n import gettext as _
from app.platform.photos import MAX_UPLOAD_BYTES
from app.platform.text import LONG_TEXT, SHORT_TEXT, TextTooLong, clean_text
from app.reporting.drafts import keep_photos, kept_photos
from app.reporting.submission import MAX_ADDRESS, MAX_NAME, MAX_PHOTOS, Submission

PHOTO_DRAFTS = "photo_drafts"


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
    # The phone shrinks photos before sending them, and a re-encoded JPEG has no GPS tags: the
    # page reads them from the original and sends them alongside.
    photo_lat = _float(form, "photo_lat", -90, 90, errors)
    photo_lon = _float(form, "photo_lon", -180, 180, errors)
    drafts = request.app.stores.get(PHOTO_DRAFTS)
    kept = await kept_photos(drafts, form.getall("photo_draft") if "photo_draft" in form else [])
    photos: list[bytes] = [data for _token, data in kept]
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
    key = request.headers.get("idempotency-key") or form.get("idempotency_key") or None

    def text(name: str, limit: int, multiline: bool = False, value: str | None = None) -> str:
        """The field cleaned and bounded; one too long is named with every other problem."""
        try:
            return clean_text(form.get(name) if value is None else value, limit, name, multiline=multiline)
        except TextTooLong as too_long:
            errors[name] = str(too_long)
            return ""

    return Submission(
        category=text("category", SHORT_TEXT),
        description=text("description", LONG_TEXT, multiline=True),
        lat=lat,
        lon=lon,
        location_source="map" if form.get("location_source") == "map" else "gps",
        address=text("address", MAX_ADDRESS),
        ward_code=text("ward_code", SHORT_TEXT),
        photos=photos,
        photo_gps=(photo_lat, photo_lon) if photo_lat is not None and photo_lon is not None else None,
        name=text("name", MAX_NAME),
        phone=text("phone", SHORT_TEXT),
        email=text("email", SHORT_TEXT),
        show_name=(form.get("show_name") or "").lower() in ("1", "on", "true", "yes"),
        channel=channel,
        idempotency_key=text("Idempotency-Key", 100, value=key or "") or None,  # the column's width
        form_errors=errors,
    )


async def photo_draft_tokens(request: Request) -> list[str]:
    """After a refusal: the tokens of the photos this form already carried and still kept, and
    of the ones it just uploaded, now kept as well (at most MAX_PHOTOS in all)."""
    form = await request.form()
    drafts = request.app.stores.get(PHOTO_DRAFTS)
    kept = await kept_photos(drafts, form.getall("photo_draft") if "photo_draft" in form else [])
    uploads = []
    for upload in form.getall("photos") if "photos" in form else []:
        if isinstance(upload, UploadFile) and upload.filename:
            await upload.seek(0)
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            if len(data) <= MAX_UPLOAD_BYTES:
                uploads.append(data)
    room = max(0, MAX_PHOTOS - len(kept))
    return [token for token, _data in kept] + await keep_photos(drafts, uploads[:room])
