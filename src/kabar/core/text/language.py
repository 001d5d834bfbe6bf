"""Language detection with lingua, limited to the languages a site cares about.

lingua with all of its 75 language models takes over a gigabyte of memory, and
telling Vietnamese, Indonesian and English apart needs three, so a
``LanguageDetector`` loads only the configured languages
(``KABAR_DETECT_LANGUAGES``). Building one is slow (models load on first use),
so the caller builds one per process or ingest run and reuses it; this module
keeps no state of its own.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from lingua import IsoCode639_1, IsoCode639_3, Language, LanguageDetectorBuilder

from kabar.core.blocks import strip_tags
from kabar.core.stage import run_with_timeout
from kabar.core.types import Extracted

log = logging.getLogger("kabar.language")

STAGE = "detect"
DEFAULT_LANGUAGES: tuple[str, ...] = ("vi", "en", "id", "fr", "de", "es", "zh", "ja", "ko", "ru", "th")
SAMPLE_CHARS = 4000  # lingua's accuracy stops improving long before this; its time grows with length
# Retired ISO 639 codes still found in feeds and HTML lang attributes.
LEGACY_CODES = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv"}


def normalize_code(code: str | None) -> str | None:
    """ISO 639-1 lower case from a language tag ("vi-VN", "id_ID", "IN", "vie"), or ``None``."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = LEGACY_CODES.get(primary, primary)
    if len(primary) == 3:
        try:
            language = Language.from_iso_code_639_3(IsoCode639_3.from_str(primary))
        except ValueError:
            return primary
        return language.iso_code_639_1.name.lower()
    return primary or None


class LanguageDetector:
    """Detects which of ``languages`` (ISO 639-1 codes) a text is written in.

    Codes lingua does not know (e.g. "km", "lo") are left out with a warning and
    listed in ``unsupported``, so a long default list cannot stop start-up.
    """

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        sample_chars: int = SAMPLE_CHARS,
        preload: bool = False,
    ) -> None:
        codes: list[IsoCode639_1] = []
        unsupported: list[str] = []
        for raw in languages:
            code = normalize_code(raw)
            try:
                iso = IsoCode639_1.from_str(code or raw)
            except ValueError:
                unsupported.append(raw)
                continue
            if iso not in codes:
                codes.append(iso)
        if not codes:
            raise ValueError(
                f"none of the languages {list(languages)} can be detected (lingua knows none of them)"
            )
        if unsupported:
            log.warning("language detection cannot tell apart %s; left out", ", ".join(unsupported))
        self.languages: tuple[str, ...] = tuple(c.name.lower() for c in codes)
        self.unsupported: tuple[str, ...] = tuple(unsupported)
        self.sample_chars = sample_chars
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        if preload:
            builder = builder.with_preloaded_language_models()
        self._detector = builder.build()

    def detect(self, text: str) -> str | None:
        """ISO 639-1 code of the most likely language, or ``None`` (no letters, or no clear winner)."""
        language = self._detector.detect_language_of(text[: self.sample_chars])
        return language.iso_code_639_1.name.lower() if language is not None else None

    def detect_many(self, texts: Sequence[str]) -> list[str | None]:
        """``detect`` of each text, in order, in one call.

        lingua spreads a batch over idle cores and answers it without a Python
        round trip per text, which is what QA over a whole batch of articles needs.
        """
        if not texts:
            return []
        found = self._detector.detect_languages_in_parallel_of([t[: self.sample_chars] for t in texts])
        return [language.iso_code_639_1.name.lower() if language is not None else None for language in found]

    def confidence(self, text: str, language: str) -> float:
        """How likely, from 0 to 1, ``text`` is in ``language``; 0 for a language not loaded."""
        code = normalize_code(language)
        if code not in self.languages:
            return 0.0
        target = Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
        return float(self._detector.compute_language_confidence(text[: self.sample_chars], target))

    def document_sample(self, doc: Extracted) -> str:
        """Title, lead and body text, up to ``sample_chars``: what detection looks at."""
        parts: list[str] = [doc.title, doc.lead]
        total = sum(len(p) for p in parts)
        for paragraph in doc.paragraphs:
            if total >= self.sample_chars:
                break
            parts.append(paragraph)
            total += len(paragraph)
        return "\n".join(strip_tags(p) for p in parts if p)[: self.sample_chars]

    def _detect_document(self, doc: Extracted, declared: str | None) -> Extracted:
        declared_code = normalize_code(declared)
        detected = self.detect(self.document_sample(doc))
        flags = list(doc.flags)
        if detected is None:
            language = declared_code
            if language is None:
                flags.append("language-unknown: too little text to detect the language, none declared")
        else:
            language = detected
            if declared_code and declared_code != detected:
                flags.append(f"language-mismatch: declared {declared_code}, detected {detected}")
        return dataclasses.replace(doc, language=language, flags=list(dict.fromkeys(flags)))

    def detect_document(
        self, doc: Extracted, declared: str | None = None, *, timeout: float | None = 10.0
    ) -> Extracted:
        """A copy of ``doc`` with ``language`` set from its text.

        The detected language wins over ``declared`` (a feed's or page's claim);
        when they differ the copy carries a ``language-mismatch`` flag for
        operators. With no detectable text the declared language is used.
        """
        return run_with_timeout(STAGE, timeout, self._detect_document, doc, declared)
