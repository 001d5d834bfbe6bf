"""The document pipeline: extract → clean → detect language, as ordered stages.

One ``Pipeline`` object is built per ingest run (the language detector is slow
to build and is reused); ``process`` turns one ``RawDocument`` into a cleaned
``Extracted`` or raises ``StageError`` naming the stage that failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from kabar.core.capture import parse_capture
from kabar.core.clean import clean
from kabar.core.errors import StageError
from kabar.core.extract import extract_html
from kabar.core.language import LanguageDetector
from kabar.core.types import Extracted, RawDocument


@dataclass(frozen=True)
class PipelineLimits:
    extract_timeout: float = 30.0
    clean_timeout: float = 10.0
    max_document_bytes: int = 5_000_000


class Pipeline:
    def __init__(self, detector: LanguageDetector, limits: PipelineLimits | None = None) -> None:
        self.detector = detector
        self.limits = limits or PipelineLimits()

    def process(self, raw: RawDocument, *, declared_language: str | None = None) -> Extracted:
        limits = self.limits
        if raw.kind == "text":
            doc = parse_capture(
                raw.content, url=raw.url, timeout=limits.extract_timeout, max_chars=limits.max_document_bytes
            )
        else:
            doc = extract_html(
                raw.content, url=raw.url, timeout=limits.extract_timeout, max_bytes=limits.max_document_bytes
            )
        doc = clean(doc, timeout=limits.clean_timeout)
        if not doc.paragraphs:
            raise StageError("no body text found", stage="extract")
        declared = declared_language or raw.declared_language
        return self.detector.detect_document(doc, declared)


def check_publishable(doc: Extracted) -> None:
    """What storing needs beyond extraction: a truncated capture with no title is kept as a failure."""
    if not doc.title.strip():
        raise StageError("no title found (truncated page or capture?)", stage="store")
