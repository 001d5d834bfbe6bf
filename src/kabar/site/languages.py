"""Language names and codes as the reader site shows them."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info, pgettext, to_locale

# Context for translators: the name is used inside a sentence ("translated from …"),
# so Vietnamese wants "tiếng Việt" and Indonesian "bahasa Vietnam", not a capitalised menu label.
IN_SENTENCE = "language name inside a sentence"


def site_language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def endonym(code: str) -> str:
    """The language's own name ("Tiếng Việt"), as the language switcher shows it."""
    return dict(settings.LANGUAGES).get(code) or settings.LANGUAGE_NAMES.get(code, code)


def name_in_sentence(code: str) -> str:
    """The language's name in the active language, written to sit inside a sentence."""
    names = {
        "vi": pgettext(IN_SENTENCE, "Vietnamese"),
        "en": pgettext(IN_SENTENCE, "English"),
        "id": pgettext(IN_SENTENCE, "Indonesian"),
        "fr": pgettext(IN_SENTENCE, "French"),
        "de": pgettext(IN_SENTENCE, "German"),
        "es": pgettext(IN_SENTENCE, "Spanish"),
        "zh": pgettext(IN_SENTENCE, "Chinese"),
        "ja": pgettext(IN_SENTENCE, "Japanese"),
        "ko": pgettext(IN_SENTENCE, "Korean"),
        "ru": pgettext(IN_SENTENCE, "Russian"),
        "th": pgettext(IN_SENTENCE, "Thai"),
        "km": pgettext(IN_SENTENCE, "Khmer"),
        "lo": pgettext(IN_SENTENCE, "Lao"),
    }
    if code in names:
        return names[code]
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def og_locale(code: str) -> str:
    """OpenGraph wants language_TERRITORY; pick the territory most readers of the language expect."""
    territories = {"vi": "vi_VN", "en": "en_US", "id": "id_ID"}
    return territories.get(code) or to_locale(code)
