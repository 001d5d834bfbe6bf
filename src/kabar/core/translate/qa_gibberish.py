"""Character-level decoder failures: what a broken model writes instead of words.

Word-level loops ("the the the") are ``qa.check_repetition``'s; these are the failures
inside and across words that it cannot see, each of which a real small or mis-converted
model produces:

* a **character run**: one letter five times or more ("rrrrr");
* an **in-word loop**: two to four letters four times or more in one word ("ononononon");
* **low character diversity**: a translation of 24 letters or more whose letters carry
  less than 2.6 bits each (running news text in vi, en and id carries about 4);
* an **absurd word**: 31 letters or more in one word (Indonesian's long affixed words,
  "mempertanggungjawabkan", have 22).

Each is an error only when the source does not show it too: a quoted "hahahahaha", a
brand name or a long URL slug that the source already has is carried over, not invented.
Three repetitions of a syllable ("hahaha", "nanana") are ordinary words and never flagged.
URLs and e-mail addresses are left out of every check, and only letters count, so numbers,
dates and codes are never gibberish here. Text is NFC-normalised first, so a Vietnamese
letter with its diacritics is one letter whichever way it was typed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import NamedTuple

from kabar.core.translate.qa_numbers import Severity

RUN_MIN = 5  # one letter this many times in a row
LOOP_MIN_REPEATS = 4  # a 2-4 letter unit this many times in a row, inside one word
DIVERSITY_MIN_LETTERS = 24
DIVERSITY_MIN_BITS = 2.6
WORD_MAX_LETTERS = 30

_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_LETTERS_RE = re.compile(r"[^\W\d_]+")  # runs of letters: words without digits or underscores
_RUN_RE = re.compile(r"([^\W\d_])\1{" + str(RUN_MIN - 1) + ",}")
_LOOP_RE = re.compile(r"([^\W\d_]{2,4}?)\1{" + str(LOOP_MIN_REPEATS - 1) + ",}")


class Finding(NamedTuple):
    check: str
    severity: Severity
    message: str


def _words(text: str) -> list[str]:
    plain = _URL_RE.sub(" ", unicodedata.normalize("NFC", text)).casefold()
    return _LETTERS_RE.findall(plain)


def _runs(words: list[str]) -> list[str]:
    return [found.group(0) for word in words if (found := _RUN_RE.search(word))]


def _loops(words: list[str]) -> list[str]:
    # Words are bounded by the absurd-word check; a loop inside a 1,000-letter word is found
    # all the same, the regex's lazy unit keeps each try short.
    return [found.group(0) for word in words if (found := _LOOP_RE.search(word))]


def letter_bits(words: list[str]) -> float:
    """Shannon entropy of the letters, in bits per letter (0.0 for no letters)."""
    counts = Counter("".join(words))
    total = sum(counts.values())
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


def check_gibberish(source: str, target: str) -> list[Finding]:
    """Character runs, in-word loops, low letter diversity and absurd words the source lacks."""
    target_words = _words(target)
    if not target_words:
        return []
    source_words = _words(source)
    known = set(source_words)
    findings: list[Finding] = []
    if (runs := _runs(target_words)) and not _runs(source_words):
        findings.append(Finding("gibberish", "error", f"a letter repeats in a run: {runs[0]!r}"))
    if (loops := _loops(target_words)) and not _loops(source_words):
        findings.append(Finding("gibberish", "error", f"letters loop inside a word: {loops[0][:40]!r}"))
    letters = sum(map(len, target_words))
    if letters >= DIVERSITY_MIN_LETTERS:
        bits = letter_bits(target_words)
        source_letters = sum(map(len, source_words))
        source_poor = (
            source_letters >= DIVERSITY_MIN_LETTERS and letter_bits(source_words) < DIVERSITY_MIN_BITS
        )
        if bits < DIVERSITY_MIN_BITS and not source_poor:
            findings.append(
                Finding(
                    "gibberish",
                    "error",
                    f"too few different letters for real text ({bits:.1f} bits per letter, "
                    f"expected {DIVERSITY_MIN_BITS} or more)",
                )
            )
    long_words = [w for w in target_words if len(w) > WORD_MAX_LETTERS and w not in known]
    if long_words:
        word = long_words[0]
        findings.append(
            Finding(
                "gibberish",
                "error",
                f"a word of {len(word)} letters is no word: {word[:40]!r}{'…' if len(word) > 40 else ''}",
            )
        )
    return findings
