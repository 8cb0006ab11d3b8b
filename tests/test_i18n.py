from pathlib import Path

from babel.messages.pofile import read_po

from app.platform.i18n import LOCALE_DIR, current_language, gettext, pick_language


def _catalog(path: Path, locale: str):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def test_every_ui_string_has_a_vietnamese_translation():
    template = _catalog(LOCALE_DIR / "messages.pot", "en")
    vi = _catalog(LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po", "vi")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = vi.get(message.id)
        strings = translated.string if translated else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
    assert missing == []


def test_translation_follows_the_current_language():
    token = current_language.set("vi")
    try:
        assert gettext("Report a problem in your ward") == "Phản ánh vấn đề ở xã, phường của bạn"
        current_language.set("en")
        assert gettext("Report a problem in your ward") == "Report a problem in your ward"
    finally:
        current_language.reset(token)


def test_language_choice_order():
    assert pick_language("en", "vi", "vi-VN", "vi") == "en"
    assert pick_language(None, "en", "vi-VN", "vi") == "en"
    assert pick_language(None, None, "fr-FR,en;q=0.8", "vi") == "en"
    assert pick_language("xx", None, None, "vi") == "vi"
