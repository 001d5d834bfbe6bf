"""The translate stage: body blocks in one language -> body blocks in another.

segment -> protect markup -> protect glossary terms -> translation-memory
lookup -> MT for the misses only (deduplicated, batched per engine, along the
route's hops) -> restore -> QA -> store the clean new translations -> join.

``translate_documents`` does this for several documents of one language pair
at once: one memory lookup and one store for all of them, each distinct
sentence sent to the engines once, and engine batches filled across document
boundaries. ``translate_blocks`` is the one-document case.

The translation memory is keyed by the normalised source sentence, the two
languages and the route description, so an unchanged sentence is never sent to
an engine twice and a model update starts afresh. Human post-edits are stored
as *preferred* entries, which win over machine ones whatever engine made them.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from kabar.core.blocks import block_text, strip_tags
from kabar.core.errors import StageError, StageTimeout, TooLarge
from kabar.core.stage import check_size, run_with_timeout
from kabar.core.text.placeholders import RestoreMap, protect, restore_best_effort
from kabar.core.text.segment import Segment, join_segments, split_blocks
from kabar.core.translate.glossary import Glossary
from kabar.core.translate.mt.routing import Hop, RoutePlan, Router
from kabar.core.translate.qa import LanguageDetectorLike, QAIssue, QASegment, run_qa_many
from kabar.core.types import Block
from kabar.hookspecs import MTEngine

STAGE = "translate"
DEFAULT_TIMEOUT = 600.0  # seconds for the whole text, engine calls included
DEFAULT_MAX_SEGMENTS = 2_000
DEFAULT_MAX_CHARS = 300_000

_LETTER_RE = re.compile(r"[^\W\d_]")

T = TypeVar("T")


class EngineFailed(StageError):
    """An engine raised or broke its contract (wrong number of outputs)."""

    stage = STAGE


def normalize_segment(text: str) -> str:
    """The form a sentence is stored under: NFC, whitespace runs collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class TMKey:
    text: str  # normalize_segment(source sentence, inline HTML)
    source_lang: str
    target_lang: str
    engine_version: str  # the route description

    @classmethod
    def of(cls, text: str, source_lang: str, target_lang: str, engine_version: str) -> TMKey:
        return cls(normalize_segment(text), source_lang, target_lang, engine_version)


class TranslationMemory(Protocol):
    def lookup(self, keys: Sequence[TMKey]) -> dict[TMKey, str]:
        """The best stored translation of each key that has one.

        A preferred entry (a human post-edit) for the same text and languages
        wins, whatever its engine_version; otherwise the entry stored under
        exactly this key.
        """
        ...

    def store(self, entries: Sequence[tuple[TMKey, str]]) -> None:
        """Keep machine translations (an existing entry for a key is replaced)."""
        ...


class InMemoryTM:
    """A translation memory in a dict, for tests and benchmarks."""

    def __init__(self) -> None:
        self._machine: dict[TMKey, str] = {}
        self._preferred: dict[tuple[str, str, str], str] = {}

    def __len__(self) -> int:
        return len(self._machine) + len(self._preferred)

    def lookup(self, keys: Sequence[TMKey]) -> dict[TMKey, str]:
        found: dict[TMKey, str] = {}
        for key in keys:
            best = self._preferred.get((key.text, key.source_lang, key.target_lang), self._machine.get(key))
            if best is not None:
                found[key] = best
        return found

    def store(self, entries: Sequence[tuple[TMKey, str]], *, preferred: bool = False) -> None:
        for key, text in entries:
            if preferred:
                self._preferred[(key.text, key.source_lang, key.target_lang)] = text
            else:
                self._machine[key] = text


@dataclass(frozen=True)
class SegmentResult:
    source_text: str
    target_text: str
    from_memory: bool
    issues: tuple[QAIssue, ...]
    segment: Segment  # where it sits in the blocks

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


@dataclass(frozen=True)
class TranslationResult:
    blocks: list[Block]
    segments: list[SegmentResult]
    route: str  # RoutePlan.description, recorded on the translated text
    engine_calls: int
    qa_passed: bool
    plan: RoutePlan


@dataclass
class _Job:
    """One distinct source sentence that must go to MT."""

    text: str  # normalised inline HTML
    markup: RestoreMap
    terms: RestoreMap
    sent: str  # what the first engine gets
    received: str = ""  # what the last engine gave back


def translate_blocks(
    blocks: Sequence[Block],
    source: str,
    target: str,
    *,
    router: Router,
    glossary: Glossary | None = None,
    memory: TranslationMemory,
    detector: LanguageDetectorLike | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> TranslationResult:
    """Translate every translatable field of ``blocks`` from ``source`` into ``target``."""
    (result,) = translate_documents(
        [blocks],
        source,
        target,
        router=router,
        glossary=glossary,
        memory=memory,
        detector=detector,
        timeout=timeout,
        max_segments=max_segments,
        max_chars=max_chars,
    )
    return result


def translate_documents(
    documents: Sequence[Sequence[Block]],
    source: str,
    target: str,
    *,
    router: Router,
    glossary: Glossary | None = None,
    memory: TranslationMemory,
    detector: LanguageDetectorLike | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_segments: int = DEFAULT_MAX_SEGMENTS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[TranslationResult]:
    """``translate_blocks`` of each document (block list), sharing the engine and memory work.

    One result per document, in order. The documents' sentences are looked up
    in ``memory`` together, each distinct sentence is translated once whatever
    document it is in, and the engines get batches of ``max_batch`` sentences
    regardless of where one document ends. QA judges each document on its own:
    an error in one leaves the others' ``qa_passed`` alone.

    ``timeout``, ``max_segments`` and ``max_chars`` cover the call as a whole,
    as do the engine calls: the first result's ``engine_calls`` is the total
    and the others have 0, so summing over the results counts each call once.
    """
    if not documents:
        return []
    deadline = time.monotonic() + timeout
    glossary = glossary or Glossary()
    plan = router.plan(source, target)
    check_size(STAGE, sum(len(t) for blocks in documents for b in blocks for t in block_text(b)), max_chars)
    segmented = [split_blocks(blocks, plan.source) for blocks in documents]
    count = sum(len(segments) for segments in segmented)
    if count > max_segments:
        what = "text has" if len(documents) == 1 else f"{len(documents)} texts have"
        raise TooLarge(f"{what} {count:,} sentences, the limit is {max_segments:,}", stage=STAGE)

    texts = [[normalize_segment(s.text) for s in segments] for segments in segmented]
    keys = [[TMKey(t, plan.source, plan.target, plan.description) for t in doc] for doc in texts]
    remembered = memory.lookup(list(dict.fromkeys(key for doc in keys for key in doc)))

    engines = [router.engines[hop.engine] for hop in plan.hops]
    protect_terms = bool(glossary) and not all(e.honours_glossary for e in engines)
    jobs: dict[str, _Job] = {}
    for text, key in zip(_flat(texts), _flat(keys), strict=True):
        if key in remembered or text in jobs or not _LETTER_RE.search(strip_tags(text)):
            continue
        plain, markup = protect(text)
        terms = RestoreMap(kind="g")
        if protect_terms:
            plain, terms = glossary.protect(plain, plan.source, plan.target)
        jobs[text] = _Job(text, markup, terms, plain)

    calls = _run_route(plan, engines, list(jobs.values()), glossary, deadline)

    translated: dict[str, str] = {}
    for job in jobs.values():
        with_terms = glossary.restore(job.received, job.terms).text
        translated[job.text] = restore_best_effort(with_terms, job.markup).text.strip()

    qa_input = [
        [
            _qa_segment(text, key, remembered, jobs, translated)
            for text, key in zip(doc_texts, doc_keys, strict=True)
        ]
        for doc_texts, doc_keys in zip(texts, keys, strict=True)
    ]
    reports = run_qa_many(qa_input, plan.source, plan.target, glossary=glossary or None, detector=detector)

    results: list[TranslationResult] = []
    fresh: dict[TMKey, str] = {}
    for blocks, segments, doc_keys, doc_qa, report in zip(
        documents, segmented, keys, qa_input, reports, strict=True
    ):
        segment_results = [
            # An empty translation (flagged by QA) keeps the source sentence: blocks never lose text.
            SegmentResult(q.source, q.target or q.source, key in remembered, tuple(issues), segment)
            for q, key, issues, segment in zip(doc_qa, doc_keys, report.segments, segments, strict=True)
        ]
        fresh.update(
            (key, r.target_text)
            for r, key in zip(segment_results, doc_keys, strict=True)
            if _storable(r, jobs)
        )
        new_blocks = join_segments(
            blocks, [replace(r.segment, text=r.target_text) for r in segment_results], plan.target
        )
        doc_calls = calls if not results else 0
        results.append(
            TranslationResult(new_blocks, segment_results, plan.description, doc_calls, report.passed, plan)
        )
    memory.store(list(fresh.items()))
    return results


def _flat(nested: Sequence[Sequence[T]]) -> list[T]:
    return [item for inner in nested for item in inner]


def _qa_segment(
    text: str,
    key: TMKey,
    remembered: Mapping[TMKey, str],
    jobs: Mapping[str, _Job],
    translated: Mapping[str, str],
) -> QASegment:
    if key in remembered:
        return QASegment(text, remembered[key], from_memory=True)
    if text in jobs:
        job = jobs[text]
        return QASegment(text, translated[text], sent=job.sent, received=job.received)
    return QASegment(text, text, from_memory=True)  # nothing to translate: numbers, punctuation


def _storable(result: SegmentResult, jobs: Mapping[str, _Job]) -> bool:
    """Only new machine output that passed QA goes into memory; a failed one is retried next time."""
    return not result.from_memory and result.source_text in jobs and not result.has_errors


def _run_route(
    plan: RoutePlan, engines: Sequence[MTEngine], jobs: Sequence[_Job], glossary: Glossary, deadline: float
) -> int:
    """Send each job's text along the hops; fills ``job.received``; returns the number of engine calls."""
    calls = 0
    current = {job.sent: job.sent for job in jobs}  # first-hop input -> latest output
    for hop, engine in zip(plan.hops, engines, strict=True):
        inputs = list(dict.fromkeys(current.values()))  # the same sentence is translated once
        outputs, n = _translate_all(engine, hop, inputs, glossary, deadline)
        calls += n
        current = {first: outputs[latest] for first, latest in current.items()}
    for job in jobs:
        job.received = current[job.sent]
    return calls


def _translate_all(
    engine: MTEngine, hop: Hop, texts: Sequence[str], glossary: Glossary, deadline: float
) -> tuple[dict[str, str], int]:
    out: dict[str, str] = {}
    size = max(1, int(engine.max_batch))
    calls = 0
    for start in range(0, len(texts), size):
        batch = list(texts[start : start + size])
        terms: dict[str, str] | None = None
        if engine.honours_glossary and glossary:
            terms = {}
            for text in batch:
                terms.update(glossary.terms_in(text, hop.source, hop.target))
        result = _call(engine, hop, batch, terms, deadline)
        calls += 1
        out.update(zip(batch, result, strict=True))
    return out, calls


def _call(
    engine: MTEngine, hop: Hop, batch: list[str], terms: dict[str, str] | None, deadline: float
) -> list[str]:
    what = f"{hop.label} ({hop.source}→{hop.target}, {len(batch)} sentences)"
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise StageTimeout(f"ran out of time before calling {what}", stage=STAGE)
    try:
        result = run_with_timeout(STAGE, remaining, engine.translate, batch, hop.source, hop.target, terms)
    except StageTimeout as exc:
        raise StageTimeout(f"{what} did not answer in time: {exc.reason}", stage=STAGE) from None
    except StageError:
        raise
    except Exception as exc:  # an engine bug must fail the document, not the worker
        raise EngineFailed(f"{what} failed: {type(exc).__name__}: {exc}") from exc
    if (
        not isinstance(result, list)
        or len(result) != len(batch)
        or not all(isinstance(t, str) for t in result)
    ):
        got = f"{len(result)} outputs" if isinstance(result, list) else type(result).__name__
        raise EngineFailed(f"{what} returned {got} for {len(batch)} inputs")
    return result
