"""Numbers, dates and percentages must survive translation.

Locales write the same number differently (vi/id ``10.000`` and ``3,5`` are en
``10,000`` and ``3.5``; ``12/10/2025`` may become ``10/12/2025``; a month may
become a word), so the check compares digits, not spellings:

1. each number's digits with separators removed (``10.000`` = ``10,000``);
2. what is left, split at separators into digit groups (``10.00`` WIB =
   ``10:00``; dates in another order have the same groups);
3. what is still left, against target numbers followed by a scale word that
   are worth the same (``10.000`` = "10 thousand", ``3.500.000`` = "3,5 juta").

A number missing after that is an error when it has two digits or more, and a
warning when it is a single digit (engines legitimately write "two" for 2).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_PERCENT_AFTER_RE = re.compile(r"\s?(?:%|％|percent\b|per cent\b|persen\b|phần trăm|pct\b)", re.IGNORECASE)
# English and Indonesian month names stand for a month number the source may write in digits.
_MONTH_NAMES = (
    "January February March April May June July August September October November December",
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
)
_MONTHS = {name: n for names in _MONTH_NAMES for n, name in enumerate(names.split(), start=1)}
_MONTH_RE = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b")
_SCALES = {
    "thousand": 3, "nghìn": 3, "ngàn": 3, "ribu": 3,
    "million": 6, "triệu": 6, "juta": 6,
    "billion": 9, "tỷ": 9, "tỉ": 9, "miliar": 9,
    "trillion": 12, "nghìn tỷ": 12, "triliun": 12,
}  # fmt: skip
_SCALE_RE = re.compile(
    r"\s?(" + "|".join(sorted(map(re.escape, _SCALES), key=len, reverse=True)) + r")\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Number:
    text: str  # as written
    digits: str  # separators removed
    percent: bool
    position: int = -1  # where it starts in its text (-1: a month name)

    @property
    def groups(self) -> list[str]:
        return [g.lstrip("0") or "0" for g in re.split(r"[.,]", self.text)]


@dataclass(frozen=True)
class NumberFinding:
    severity: Severity
    message: str


def numbers_in(text: str) -> list[Number]:
    """Numbers in ``text`` (month names count as their month number)."""
    found = [
        Number(
            m.group(),
            m.group().replace(".", "").replace(",", ""),
            bool(_PERCENT_AFTER_RE.match(text, m.end())),
            m.start(),
        )
        for m in _NUMBER_RE.finditer(text)
    ]
    found += [Number(m.group(), str(_MONTHS[m.group()]), False) for m in _MONTH_RE.finditer(text)]
    return found


def compare_numbers(source: str, target: str) -> list[NumberFinding]:
    """Numbers of ``source`` missing from ``target`` (and percentages that lost their sign)."""
    src = numbers_in(source)
    if not src:  # nothing to lose: most sentences, so they skip the counting below
        return []
    tgt = numbers_in(target)
    findings: list[NumberFinding] = []
    lost_percent = Counter(n.digits for n in src if n.percent) - Counter(n.digits for n in tgt if n.percent)
    still_there = {n.digits for n in tgt}
    for digits in sorted(d for d in lost_percent if d in still_there):
        findings.append(NumberFinding("warning", f"{digits}% is no longer a percentage"))

    # Pass 1: the same digits.
    common = Counter(map(_significant, src)) & Counter(map(_significant, tgt))
    left_src, left_tgt = _without(src, common), _without(tgt, common)
    # Pass 2: the same digit groups, grouped or ordered differently.
    groups = Counter(g for n in left_tgt for g in n.groups)
    unmatched: list[Number] = []
    for n in left_src:
        need = Counter(n.groups)
        if need - groups:
            unmatched.append(n)
        else:
            groups -= need
    # Pass 3: a target number with a scale word worth the same.
    scaled = [_scaled_value(target, n) for n in left_tgt]
    for n in unmatched:
        value = int(n.digits)
        hit = next((i for i, v in enumerate(scaled) if v is not None and abs(v - value) < 0.5), None)
        if hit is not None:
            scaled[hit] = None
        elif len(n.digits) >= 2:
            findings.append(NumberFinding("error", f"number {n.text} is missing from the translation"))
        else:
            findings.append(
                NumberFinding("warning", f"number {n.text} is missing (perhaps written as a word)")
            )
    return findings


def _scaled_value(text: str, number: Number) -> float | None:
    """``number`` times the scale word right after it in ``text``; None without one."""
    if number.position < 0 or number.text.count(",") + number.text.count(".") > 1:
        return None
    m = _SCALE_RE.match(text, number.position + len(number.text))
    if m is None:
        return None
    # Before a scale word a lone separator is a decimal point in every locale ("3,5 juta", "3.5 million").
    return float(number.text.replace(",", ".")) * 10.0 ** _SCALES[m.group(1).casefold()]


def _significant(number: Number) -> str:
    return number.digits.lstrip("0") or "0"


def _without(numbers: list[Number], matched: Counter[str]) -> list[Number]:
    """``numbers`` minus those consumed by ``matched`` (a multiset of ``_significant`` keys)."""
    budget = Counter(matched)
    left: list[Number] = []
    for n in numbers:
        key = _significant(n)
        if budget[key] > 0:
            budget[key] -= 1
        else:
            left.append(n)
    return left
