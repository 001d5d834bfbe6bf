"""The document pipeline: extract → clean → detect language, as ordered stages.

One ``Pipeline`` object is built per ingest run (the language detector is slow
to build and is reused); ``process`` turns one ``RawDocument`` into a cleaned
``Extracted`` or raises ``StageError`` naming the stage that failed.

What the source knew about the document (``RawDocument.hints``: a feed
entry's title, dates, authors, section and outlet) fills what the extractor
left empty; the page itself is the better witness, so it is never overridden.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kabar.core.blocks import strip_tags
from kabar.core.capture import parse_capture
from kabar.core.clean import clean
from kabar.core.errors import StageError
from kabar.core.extract import extract_html
from kabar.core.extract_meta import normalize_space
from kabar.core.language import LanguageDetector
from kabar.core.sources import parse_datetime
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
        apply_hints(doc, raw.hints)
        doc = clean(doc, timeout=limits.clean_timeout)
        if not doc.paragraphs:
            raise StageError("no body text found", stage="extract")
        declared = declared_language or raw.declared_language
        return self.detector.detect_document(doc, declared)


def apply_hints(doc: Extracted, hints: Mapping[str, Any]) -> None:
    """Fill ``doc``'s empty fields from a source's hints, and flag an article built from a feed's copy.

    Hints come from feeds and other untrusted files, so a value of the wrong
    type is ignored rather than trusted.
    """
    doc.title = doc.title or _text_hint(hints, "title")
    doc.section = doc.section or _text_hint(hints, "section")
    if not doc.outlet or _is_host_name(doc.outlet, doc.url):
        # trafilatura's last resort is the page's host name; the publication's own name beats it.
        doc.outlet = _text_hint(hints, "outlet") or doc.outlet
    if not doc.authors:
        authors = hints.get("authors")
        if isinstance(authors, str):
            authors = [authors]
        if isinstance(authors, list):
            doc.authors = [a.strip() for a in authors if isinstance(a, str) and a.strip()]
    if not doc.lead:
        doc.lead = _summary_lead(doc, _text_hint(hints, "summary"))
    if doc.published is None:
        doc.published = parse_datetime(hints.get("published"))
    if doc.updated is None:
        doc.updated = parse_datetime(hints.get("updated"))
    if hints.get("content_source") == "feed":
        page_error = _text_hint(hints, "page_error")
        doc.flags.append(
            f"built from the feed's copy: {page_error}" if page_error else "built from the feed's copy"
        )


def _text_hint(hints: Mapping[str, Any], key: str) -> str:
    value = hints.get(key)
    return value.strip() if isinstance(value, str) else ""


def _summary_lead(doc: Extracted, summary: str) -> str:
    """A feed's summary as the lead, unless it only repeats the opening of the body.

    Feeds often fill the description with the first lines of the article (cut
    short, maybe with an ellipsis), which would then read twice.
    """
    lead = normalize_space(strip_tags(summary))
    first = next((b for b in doc.blocks if b["type"] == "paragraph"), None)
    if not lead or first is None:
        return lead
    lead_key, first_key = _comparison_key(lead), _comparison_key(strip_tags(first.get("text", "")))
    if lead_key and first_key and (first_key.startswith(lead_key) or lead_key.startswith(first_key)):
        return ""
    return lead


def _comparison_key(text: str) -> str:
    """Words only, case-folded: markup, punctuation and a trailing ellipsis do not make a text new."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _is_host_name(outlet: str, url: str) -> bool:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return bool(host) and outlet.strip().casefold().removeprefix("www.") == host


def check_publishable(doc: Extracted) -> None:
    """What storing needs beyond extraction: a truncated capture with no title is kept as a failure."""
    if not doc.title.strip():
        raise StageError("no title found (truncated page or capture?)", stage="store")
