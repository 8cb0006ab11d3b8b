"""Free text as it may be stored: one normal form, no invisible controls, a bounded length.

Every form field and API field a person types goes through `clean_text` where it is read.
NUL and the other C0 controls break XML (Atom feeds, Open311) and some drivers; bidirectional
overrides make a page show text in an order other than the one stored (a code or an amount
read backwards). NFC keeps "Việt" typed on a phone and on a desktop the same string.
"""

from __future__ import annotations

import re
import unicodedata

from app.platform.i18n import gettext as _

# C0 controls except tab (\t) and newline (\n), DEL and the C1 block; a carriage return goes
# too (a newline alone marks a line). Bidi embeddings, overrides and isolates (U+202A–U+202E,
# U+2066–U+2069), the marks U+200E/U+200F/U+061C, and the BOM / zero-width no-break space.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

# The bounds of the text fields that have no tighter rule of their own.
SHORT_TEXT = 200  # names, titles, usernames, codes, an e-mail address
LONG_TEXT = 10_000  # a staff reply, an internal note, the body of a public action


class TextTooLong(ValueError):
    """A field is longer than its bound: a 400 naming the field and the bound."""

    def __init__(self, field: str, limit: int) -> None:
        self.field = field
        self.limit = limit
        super().__init__(
            _("%(field)s is too long: at most %(limit)d characters.") % {"field": field, "limit": limit}
        )


def clean_text(value: object, limit: int, field: str = "text", *, multiline: bool = False) -> str:
    """`value` in NFC, without unwanted controls, stripped, at most `limit` characters.

    A single-line field also loses tabs and newlines (each becomes a space). None is "".
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value).replace("\r\n", "\n"))
    text = _UNWANTED.sub("", text)
    if not multiline:
        text = re.sub(r"[\t\n]", " ", text)
    text = text.strip()
    if len(text) > limit:
        raise TextTooLong(field, limit)
    return text
