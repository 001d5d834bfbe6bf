"""The document pipeline: extract → clean → detect language, as ordered stages.

One ``Pipeline`` object is built per ingest run (the language detector is slow
to build and is reused); ``process`` turns one ``RawDocument`` into a cleaned
``Extracted`` or raises ``StageError`` naming the stage that failed.

Extract (or capture parsing) and clean are CPU-bound and run on the pipeline's
``StageRunner``: ``kabar.core.workers.StagePool`` for ingestion (worker
processes, killed at the stage's deadline, on all cores), ``InProcessStages``
otherwise. ``submit`` starts them and returns at once, so a caller can keep
several documents in flight; ``finish`` then detects the language here.
Detection stays in the calling process: the detector holds ~250 MB of lingua
models and takes ~3 s to build, per process, and it is ~6% of a document's
CPU time (extract 3.0 s, clean 0.7 s, detect 0.2 s on 60 pages of the
scrapinghub set), with its input capped at ``SAMPLE_CHARS``.

What the source knew about the document (``RawDocument.hints``: a feed
entry's title, dates, authors, section and outlet) fills what the extractor
left empty; the page itself is the better witness, so it is never overridden.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kabar.core.blocks import strip_tags
from kabar.core.errors import StageError, StageTimeout
from kabar.core.extract import capture, extract
from kabar.core.extract.extract_meta import normalize_space
from kabar.core.sources import parse_datetime
from kabar.core.stage import InProcessStages, StageRunner
from kabar.core.text import clean
from kabar.core.types import Extracted, RawDocument

if TYPE_CHECKING:  # worker processes import this module and never detect languages
    from kabar.core.text.language import LanguageDetector


@dataclass(frozen=True)
class PipelineLimits:
    extract_timeout: float = 30.0
    clean_timeout: float = 10.0
    detect_timeout: float = 10.0
    max_document_bytes: int = 5_000_000


class Pipeline:
    def __init__(
        self,
        detector: LanguageDetector,
        limits: PipelineLimits | None = None,
        *,
        stages: StageRunner | None = None,
    ) -> None:
        self.detector = detector
        self.limits = limits or PipelineLimits()
        self.stages: StageRunner = stages or InProcessStages()
        # Detection runs here, under a time limit, on one thread kept for the pipeline's life:
        # a thread started per document cost more than some detections.
        self._detect_lock = threading.Lock()
        self._detect_thread: concurrent.futures.ThreadPoolExecutor | None = None

    def process(self, raw: RawDocument, *, declared_language: str | None = None) -> Extracted:
        return self.finish(self.submit(raw), raw, declared_language=declared_language)

    def submit(self, raw: RawDocument) -> concurrent.futures.Future[Extracted]:
        """Start extract and clean for ``raw`` on the stage runner; the future never raises but ``StageError``."""
        limits = self.limits
        # What the fetcher got (bytes and text again) is not needed by the stages: not pickled.
        portable = dataclasses.replace(raw, fetched=None)
        stage = capture.STAGE if raw.kind == "text" else extract.STAGE
        outcome: concurrent.futures.Future[Extracted] = concurrent.futures.Future()

        def then_clean(extracted: concurrent.futures.Future[Extracted]) -> None:
            try:
                doc = extracted.result()
                cleaned = self.stages.submit(
                    clean.STAGE, limits.clean_timeout, clean_stage, doc, portable.hints, limits
                )
            except BaseException as exc:  # StageError by the runner's contract; anything else too
                outcome.set_exception(exc)
                return
            cleaned.add_done_callback(lambda done: _copy_outcome(done, outcome))

        self.stages.submit(stage, limits.extract_timeout, extract_stage, portable, limits).add_done_callback(
            then_clean
        )
        return outcome

    def finish(
        self,
        prepared: concurrent.futures.Future[Extracted],
        raw: RawDocument,
        *,
        declared_language: str | None = None,
    ) -> Extracted:
        """Wait for ``submit``'s future and detect the language; raises ``StageError``."""
        doc = prepared.result()
        declared = declared_language or raw.declared_language
        with self._detect_lock:
            if self._detect_thread is None:
                self._detect_thread = concurrent.futures.ThreadPoolExecutor(
                    1, thread_name_prefix="kabar-detect"
                )
            thread = self._detect_thread
        detected = thread.submit(self.detector.detect_document, doc, declared, timeout=None)
        try:
            return detected.result(timeout=self.limits.detect_timeout)
        except concurrent.futures.TimeoutError:
            with self._detect_lock:  # the stuck call keeps its thread; the next document gets a new one
                if self._detect_thread is thread:
                    self._detect_thread = None
            thread.shutdown(wait=False, cancel_futures=True)
            raise StageTimeout(f"took longer than {self.limits.detect_timeout:g}s", stage="detect") from None


def extract_stage(raw: RawDocument, limits: PipelineLimits) -> Extracted:
    """Extract (HTML) or capture parsing, untimed: run by a ``StageRunner`` that holds the limit."""
    if raw.kind == "text":
        return capture.parse_capture(
            raw.content, url=raw.url, timeout=None, max_chars=limits.max_document_bytes
        )
    return extract.extract_html(raw.content, url=raw.url, timeout=None, max_bytes=limits.max_document_bytes)


def clean_stage(doc: Extracted, hints: Mapping[str, Any], limits: PipelineLimits) -> Extracted:
    """Hints, then clean, untimed (as ``extract_stage``); ``StageError`` when no body text is left."""
    apply_hints(doc, hints)
    doc = clean.clean(doc, timeout=None)
    if not doc.paragraphs:
        raise StageError("no body text found", stage=extract.STAGE)
    return doc


def _copy_outcome(
    done: concurrent.futures.Future[Extracted], outcome: concurrent.futures.Future[Extracted]
) -> None:
    try:
        outcome.set_result(done.result())
    except BaseException as exc:
        outcome.set_exception(exc)


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
