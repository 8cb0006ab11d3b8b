from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.platform.i18n import LOCALE_DIR, current_language, gettext, pick_language
from app.platform.settings import PROJECT_ROOT


def _catalog(path: Path, locale: str):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _strings_in_the_code() -> set[str]:
    """Every UI string's id extracted afresh from the code and templates, as `make messages`
    does: a string added without running it is caught here, not only one left untranslated."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    extracted = extract_from_dir(str(PROJECT_ROOT), method_map, options_map, keywords)
    # A plural comes as (singular, plural): the catalog keys it by its singular.
    return {m[0] if isinstance(m, tuple) else m for _, _, m, _, _ in extracted if m}


def _translated(catalog, message_id: str) -> bool:
    entry = catalog.get(message_id)
    strings = entry.string if entry else None
    return bool(strings) and all(strings) if isinstance(strings, tuple) else bool(strings)


def test_every_string_in_the_code_is_translated_in_both_catalogs():
    in_code = _strings_in_the_code()
    assert len(in_code) > 300  # the extraction really read the code and the templates
    vi = _catalog(LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po", "vi")
    untranslated = sorted(m for m in in_code if not _translated(vi, m))
    assert untranslated == [], f"vi lacks {len(untranslated)}: {untranslated[:10]}"
    # The ids are English: the English catalog must hold each one (an empty msgstr shows the id).
    en = _catalog(LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po", "en")
    absent = sorted(m for m in in_code if en.get(m) is None)
    assert absent == [], f"en lacks {len(absent)}: {absent[:10]}"


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


def test_accept_language_weights_decide():
    """Regression: the order written is not the order preferred; q-values are."""
    assert pick_language(None, None, "en;q=0.1, vi;q=0.9", "en") == "vi"
    assert pick_language(None, None, "vi;q=0, en-US", "vi") == "en"  # q=0: not Vietnamese
    assert pick_language(None, None, "de, fr;q=0.9", "vi") == "vi"  # nothing we speak: default
    assert pick_language(None, None, "en-GB;q=0.8, vi-VN", "en") == "vi"
    assert pick_language(None, None, "en;q=abc, vi;q=0.5", "en") == "vi"  # a broken weight counts as 0
