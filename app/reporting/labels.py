"""What a report's channel, location source and photo stages are called, in the reader's language."""

from __future__ import annotations

from app.platform import i18n
from app.platform.i18n import N_

CHANNEL_LABELS = {
    "web": N_("Website"),
    "app": N_("App"),
    "counter": N_("At the counter"),
    "hotline": N_("Hotline"),
    "open311": N_("Open311 partner"),
}


LOCATION_SOURCE_LABELS = {
    "gps": N_("the phone's GPS"),
    "map": N_("a pin on the map"),
    "exif": N_("the photo's own GPS tags"),
    "address": N_("a typed address"),
}

PHOTO_STAGE_LABELS = {"before": N_("before the work"), "after": N_("after the work")}


def channel_label(channel: str) -> str:
    return i18n.gettext(CHANNEL_LABELS.get(channel, channel))


def location_source_label(source: str) -> str:
    return i18n.gettext(LOCATION_SOURCE_LABELS.get(source, source))


def photo_stage_label(stage: str) -> str:
    return i18n.gettext(PHOTO_STAGE_LABELS.get(stage, stage))
