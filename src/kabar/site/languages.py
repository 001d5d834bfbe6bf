"""Language names and codes as the reader site shows them."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info, pgettext_lazy, to_locale


def site_language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def endonym(code: str) -> str:
    """The language's own name ("Tiếng Việt"), as the language switcher shows it."""
    return dict(settings.LANGUAGES).get(code) or settings.LANGUAGE_NAMES.get(code, code)


# The gettext context tells translators that Vietnamese wants "tiếng Việt" and Indonesian
# "bahasa Vietnam" here, not a capitalised menu label. (xgettext only reads literal contexts,
# hence the repetition.) Lazy, so that a call translates the one name it returns, not all of them.
_NAMES_IN_SENTENCE = {
    "vi": pgettext_lazy("language name inside a sentence", "Vietnamese"),
    "en": pgettext_lazy("language name inside a sentence", "English"),
    "id": pgettext_lazy("language name inside a sentence", "Indonesian"),
    "fr": pgettext_lazy("language name inside a sentence", "French"),
    "de": pgettext_lazy("language name inside a sentence", "German"),
    "es": pgettext_lazy("language name inside a sentence", "Spanish"),
    "zh": pgettext_lazy("language name inside a sentence", "Chinese"),
    "ja": pgettext_lazy("language name inside a sentence", "Japanese"),
    "ko": pgettext_lazy("language name inside a sentence", "Korean"),
    "ru": pgettext_lazy("language name inside a sentence", "Russian"),
    "th": pgettext_lazy("language name inside a sentence", "Thai"),
    "km": pgettext_lazy("language name inside a sentence", "Khmer"),
    "lo": pgettext_lazy("language name inside a sentence", "Lao"),
}


def name_in_sentence(code: str) -> str:
    """The language's name in the active language, written to sit inside a sentence."""
    if code in _NAMES_IN_SENTENCE:
        return str(_NAMES_IN_SENTENCE[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def og_locale(code: str) -> str:
    """OpenGraph wants language_TERRITORY; pick the territory most readers of the language expect."""
    territories = {"vi": "vi_VN", "en": "en_US", "id": "id_ID"}
    return territories.get(code) or to_locale(code)
