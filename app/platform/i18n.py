"""gettext catalogs (Babel): Vietnamese first, English second.

Message ids are English; the vi catalog must translate every one (a test checks). The
language of a request lives in a context variable, so the one shared Jinja environment
renders each request in its own language.
"""

from __future__ import annotations

import unicodedata
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from app.platform.settings import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

current_language: ContextVar[str] = ContextVar("current_language", default="vi")
# The deployment's DEFAULT_LANGUAGE, set once at start-up (create_app, the CLI).
_record_language = LANGUAGES[0]


def use_default_language(language: str) -> None:
    global _record_language
    _record_language = language


def compile_catalogs() -> None:
    """Compile every .po whose .mo is missing or older; `make` runs it, and so does start-up."""
    for language in LANGUAGES:
        folder = LOCALE_DIR / language / "LC_MESSAGES"
        po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=language)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)


@cache
def translations(language: str) -> Translations:
    compile_catalogs()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where shown."""
    return message


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def in_default_language(message: str) -> str:
    """For text written onto the public record by the system (apology slips, escalations,
    automatic closings): in the deployment's default language, whatever the language of the
    request that happened to cause it, so the record reads the same to everyone."""
    return translations(_record_language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


def pick_language(requested: str | None, cookie: str | None, accept: str | None, default: str) -> str:
    """An explicit ?lang= wins, then the remembered cookie, then the browser, then the default."""
    for candidate in (requested, cookie):
        if candidate in LANGUAGES:
            return candidate
    if accept and (match := Locale.negotiate(_by_preference(accept), LANGUAGES, sep="-")):
        return str(match)
    return default


def _by_preference(accept: str) -> list[str]:
    """Accept-Language's tags, most preferred first (RFC 9110 §12.5.4: q defaults to 1, q=0
    means "not this one"); Babel's negotiation then matches them to our languages."""
    weighted = []
    for position, item in enumerate(accept.split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def number(value: float | int, digits: int | None = None) -> str:
    """A number as the reader writes it: 4,5 and 1.234 in Vietnamese, 4.5 and 1,234 in English."""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=current_language.get())


# Vietnamese alphabetical order — a ă â b c d đ e ê … o ô ơ … u ư … — with the tone marks
# (ngang, huyền, hỏi, ngã, sắc, nặng) only breaking ties; Python's default order puts "Đ"
# after "Z" and "Ân" after "Yên".
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve, circumflex, horn
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_sort_key(text: str) -> tuple[list[tuple[str, int]], list[int]]:
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text.casefold()):
        if char in _LETTER_MARKS and letters:
            letters[-1] = (letters[-1][0], _LETTER_MARKS[char])
        elif char in _TONES:
            tones.append(_TONES[char])
        elif char == "đ":
            letters.append(("d", 1))
        else:
            letters.append((char, 0))
            tones.append(0)
    return letters, tones
