"""Quality checks on machine translation output.

Each check is a small pure function over one (source, translation) pair of
plain text (or, for ``check_consecutive_repeats``, the whole text) that returns
``QAIssue`` values. An "error" means the translation must not go out unseen (it
fails ``QAReport.passed``); a "warning" is shown to editors but lets it pass.
``run_qa`` runs all of them over a translated text, ``run_qa_many`` over several
at once (one language-detection batch, each distinct segment checked once).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kabar.core.blocks import strip_tags
from kabar.core.text.placeholders import strip_tokens, token_problems
from kabar.core.translate.glossary import Glossary
from kabar.core.translate.qa_gibberish import check_gibberish as _gibberish
from kabar.core.translate.qa_numbers import Severity, compare_numbers

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+")

# Expected characters of target per character of source. Rough news-text
# averages; the bounds around them are wide because short sentences vary a lot.
EXPECTED_LENGTH_RATIO: dict[tuple[str, str], float] = {
    ("vi", "en"): 0.95,
    ("en", "vi"): 1.05,
    ("vi", "id"): 1.1,
    ("id", "vi"): 0.9,
    ("en", "id"): 1.15,
    ("id", "en"): 0.87,
}
MIN_WORDS_FOR_LENGTH = 6
MIN_WORDS_FOR_LANGUAGE = 4


@dataclass(frozen=True)
class QAIssue:
    check: str
    severity: Severity
    message: str


class LanguageDetectorLike(Protocol):
    """Anything with ``detect`` (``kabar.core.text.language.LanguageDetector`` is one).

    A detector that also has ``detect_many`` (see ``BatchLanguageDetector``) gets
    all of a QA run's texts in one call.
    """

    def detect(self, text: str) -> str | None: ...


@runtime_checkable
class BatchLanguageDetector(LanguageDetectorLike, Protocol):
    def detect_many(self, texts: Sequence[str]) -> list[str | None]:
        """``detect`` of each text, in order."""
        ...


def detect_all(detector: LanguageDetectorLike, texts: Sequence[str]) -> list[str | None]:
    """``detector.detect`` of each text, in one batch where the detector can do batches."""
    if not texts:
        return []
    if isinstance(detector, BatchLanguageDetector):
        return list(detector.detect_many(texts))
    return [detector.detect(text) for text in texts]


def check_empty(source: str, target: str) -> list[QAIssue]:
    if source.strip() and not target.strip():
        return [QAIssue("empty", "error", "the translation is empty")]
    return []


def check_placeholders(sent: str, received: str) -> list[QAIssue]:
    """Every token sent to the engine must come back exactly once (texts with tokens)."""
    return [QAIssue("placeholders", "error", problem) for problem in token_problems(sent, received)]


def check_numbers(source: str, target: str) -> list[QAIssue]:
    return [QAIssue("numbers", f.severity, f.message) for f in compare_numbers(source, target)]


def check_glossary(
    source: str, target: str, source_lang: str, target_lang: str, glossary: Glossary
) -> list[QAIssue]:
    return [
        QAIssue("glossary", "error", p) for p in glossary.verify(source, target, source_lang, target_lang)
    ]


def _mostly_names_or_numbers(words: list[str]) -> bool:
    """Name lists, scores and datelines say nothing about the language they are in."""
    # A letters-only word has no digit (no character is both), so the digit scan runs on few words.
    special = sum(1 for w in words if w[:1].isupper() or (not w.isalpha() and any(map(str.isdigit, w))))
    return special >= 0.6 * len(words)


def _wants_language_check(target: str, source_lang: str, target_lang: str) -> bool:
    if source_lang == target_lang:
        return False
    words = _WORD_RE.findall(target)
    return len(words) >= MIN_WORDS_FOR_LANGUAGE and not _mostly_names_or_numbers(words)


def _language_issues(detected: str | None, source_lang: str) -> list[QAIssue]:
    if detected is not None and detected == source_lang:
        return [
            QAIssue("language", "error", f"the translation is still in the source language ({source_lang})")
        ]
    return []


def check_language(
    target: str, source_lang: str, target_lang: str, detector: LanguageDetectorLike
) -> list[QAIssue]:
    """The translation must not still be in the source language."""
    if not _wants_language_check(target, source_lang, target_lang):
        return []
    return _language_issues(detector.detect(target), source_lang)


# An n-gram of one to four words, then the same n-gram twice more, over words joined by single
# spaces; possessive quantifiers stop a failed match from trying shorter words.
_LOOP_RE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(r"(?<!\S)(\S++" + r"(?: \S++)" * (n - 1) + r")(?: \1){2}(?!\S)") for n in range(1, 5)
)
_ANY_LOOP_RE = re.compile(r"(?<!\S)(\S++(?: \S++){0,3})(?: \1){2}(?!\S)")


def _loop(text: str) -> str | None:
    """The shortest (then first) n-gram of 1-4 words repeated three times in a row, case-folded.

    ("the the the", "of the of the of the"); punctuation between the words does not count.
    """
    # Case folding maps characters one by one and never makes a space, so folding the joined
    # words is folding each word.
    words = " ".join(_WORD_RE.findall(text)).casefold()
    if _ANY_LOOP_RE.search(words) is None:  # one pass for the usual case: no loop at all
        return None
    return next((found.group(1) for pattern in _LOOP_RE if (found := pattern.search(words))), None)


def check_repetition(source: str, target: str) -> list[QAIssue]:
    """Decoder loops: an n-gram or a sentence repeated where the source has no such repetition."""
    issues: list[QAIssue] = []
    loop = _loop(target)
    if loop is not None and _loop(source) is None:
        issues.append(QAIssue("repetition", "error", f"{loop!r} repeats in a loop"))
    sentences = [s.strip() for s in _SENTENCE_END_RE.split(target) if len(_WORD_RE.findall(s)) >= 3]
    for first, second in zip(sentences, sentences[1:], strict=False):
        if first == second and first not in source:
            issues.append(QAIssue("repetition", "error", f"sentence repeated: {first!r}"))
            break
    return issues


def check_gibberish(source: str, target: str) -> list[QAIssue]:
    """Character loops and gibberish ("rrrrronononon"): see ``qa_gibberish``."""
    return [QAIssue(f.check, f.severity, f.message) for f in _gibberish(source, target)]


def check_length(source: str, target: str, source_lang: str, target_lang: str) -> list[QAIssue]:
    """Translations far shorter or longer than the pair's usual ratio lost or invented text."""
    if len(_WORD_RE.findall(source)) < MIN_WORDS_FOR_LENGTH or not target.strip():
        return []
    expected = EXPECTED_LENGTH_RATIO.get((source_lang, target_lang), 1.0)
    ratio = len(target.strip()) / len(source.strip()) / expected
    if ratio < 0.25 or ratio > 4:
        severity: Severity = "error"
    elif ratio < 0.5 or ratio > 2:
        severity = "warning"
    else:
        return []
    direction = "shorter" if ratio < 1 else "longer"
    return [QAIssue("length", severity, f"translation is {ratio:.1f}× the expected length ({direction})")]


def check_consecutive_repeats(sources: Sequence[str], targets: Sequence[str]) -> list[tuple[int, QAIssue]]:
    """The same output sentence twice in a row for two different source sentences."""
    found: list[tuple[int, QAIssue]] = []
    for i in range(1, min(len(sources), len(targets))):
        if targets[i].strip() and targets[i] == targets[i - 1] and sources[i] != sources[i - 1]:
            issue = QAIssue(
                "repetition", "error", f"same translation as the previous sentence: {targets[i]!r}"
            )
            found.append((i, issue))
    return found


@dataclass(frozen=True)
class QASegment:
    """One translated segment as QA sees it."""

    source: str  # source text (plain or inline HTML)
    target: str  # translation (plain or inline HTML)
    sent: str | None = None  # what went to the engine, with placeholder tokens (None: not translated by MT)
    received: str | None = None  # what the engine returned
    from_memory: bool = False  # checked when it was stored (or written by a person): whole-text checks only


@dataclass(frozen=True)
class QAReport:
    segments: list[list[QAIssue]]  # issues per segment, in order
    passed: bool

    @property
    def issues(self) -> list[QAIssue]:
        return [issue for issues in self.segments for issue in issues]


def _segment_issues(
    segment: QASegment,
    source: str,
    target: str,
    source_lang: str,
    target_lang: str,
    glossary: Glossary | None,
    language: list[QAIssue],
) -> list[QAIssue]:
    """The per-segment checks on plain ``source`` and ``target``, with the language check's result."""
    issues = check_empty(source, target)
    if segment.sent is not None and segment.received is not None:
        issues += check_placeholders(segment.sent, segment.received)
    if not target.strip():
        return issues
    issues += check_numbers(source, target)
    if glossary:
        issues += check_glossary(source, target, source_lang, target_lang, glossary)
    issues += language
    issues += check_repetition(source, target)
    issues += check_gibberish(source, target)
    issues += check_length(source, target, source_lang, target_lang)
    return issues


def run_qa(
    segments: Sequence[QASegment],
    source_lang: str,
    target_lang: str,
    *,
    glossary: Glossary | None = None,
    detector: LanguageDetectorLike | None = None,
) -> QAReport:
    """All checks over a translated text; ``passed`` is False when any error was found."""
    return run_qa_many([segments], source_lang, target_lang, glossary=glossary, detector=detector)[0]


def run_qa_many(
    texts: Sequence[Sequence[QASegment]],
    source_lang: str,
    target_lang: str,
    *,
    glossary: Glossary | None = None,
    detector: LanguageDetectorLike | None = None,
) -> list[QAReport]:
    """``run_qa`` of each text, sharing the work: one report per text, in order.

    Per-segment checks run once per distinct segment, whichever texts it is in,
    and the language of every translation that needs the check is detected in
    one batch (``detect_all``). Whole-text checks look within each text only.
    """
    plain: dict[str, str] = {}

    def plain_of(text: str) -> str:
        found = plain.get(text)
        if found is None:
            found = plain[text] = _plain(text)
        return found

    fresh = list(dict.fromkeys(s for segments in texts for s in segments if not s.from_memory))
    language: dict[QASegment, list[QAIssue]] = {}
    if detector is not None:
        wanted = [s for s in fresh if _wants_language_check(plain_of(s.target), source_lang, target_lang)]
        found = detect_all(detector, [plain_of(s.target) for s in wanted])
        language = {s: _language_issues(d, source_lang) for s, d in zip(wanted, found, strict=True)}
    checked = {
        s: _segment_issues(
            s, plain_of(s.source), plain_of(s.target), source_lang, target_lang, glossary, language.get(s, [])
        )
        for s in fresh
    }
    reports = []
    for segments in texts:
        per_segment = [[] if s.from_memory else list(checked[s]) for s in segments]
        plain_sources = [plain_of(s.source) for s in segments]
        plain_targets = [plain_of(s.target) for s in segments]
        for index, issue in check_consecutive_repeats(plain_sources, plain_targets):
            per_segment[index].append(issue)
        passed = not any(issue.severity == "error" for issues in per_segment for issue in issues)
        reports.append(QAReport(per_segment, passed))
    return reports


def _plain(text: str) -> str:
    return strip_tokens(strip_tags(text)) if "<" in text or "&" in text else text
