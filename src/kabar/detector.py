"""The process's one language detector, shared by ingestion and translation QA.

Building a lingua detector loads a model per language, so a web or worker
process builds it once (per ``DETECT_LANGUAGES``) instead of once per poll or
per translation; a settings change (tests' ``override_settings``) gets a fresh one.
"""

from __future__ import annotations

import functools

from django.conf import settings

from kabar.core.text.language import LanguageDetector


@functools.lru_cache(maxsize=2)
def _detector_for(languages: tuple[str, ...]) -> LanguageDetector:
    return LanguageDetector(languages)


def get_detector() -> LanguageDetector:
    """The detector for ``settings.DETECT_LANGUAGES``."""
    return _detector_for(tuple(settings.DETECT_LANGUAGES))


def reset_detector() -> None:
    _detector_for.cache_clear()
