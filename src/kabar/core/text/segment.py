"""Split body blocks into sentence segments for MT, and put translations back.

MT engines translate sentences best, and a translation memory only pays off
when its unit is small enough to recur, so every translatable field of a block
(paragraph, heading and quote text, list items, image captions) is cut into
sentences. ``Segment.text`` keeps the block's inline HTML: a sentence boundary
never falls inside a link or an emphasis, so each segment's markup is
balanced and ``kabar.core.text.placeholders.protect`` can carry it through MT.

Vietnamese sentences come from underthesea (trained on Vietnamese news; it
knows "TP. Hồ Chí Minh" and friends). Every other language goes through
sentencex (Wikimedia's rule-based segmenter with abbreviation lists for ~300
languages), topped up with a few abbreviations common in Indonesian and
Vietnamese-related news that it does not know.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kabar.core.text.placeholders import (
    TOKEN_RE,
    RestoreMap,
    protect,
    restore_best_effort,
    token_id,
    token_role,
)
from kabar.core.types import Block

SegmentKind = Literal["paragraph", "heading", "quote", "list_item", "caption"]

# Field of each block type that is translated; ``cite``, ``credit``, ``src`` and ``alt`` are not.
_TEXT_FIELD = {"paragraph": "text", "heading": "text", "quote": "text", "image": "caption"}
_KIND: dict[str, SegmentKind] = {
    "paragraph": "paragraph",
    "heading": "heading",
    "quote": "quote",
    "image": "caption",
    "list": "list_item",
}

# Abbreviations sentencex does not know for these languages; a sentence that ends
# with one of them is joined to the next. Compared without the trailing dot.
_EXTRA_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "id": frozenset(
        {
            "Jl",
            "Jln",
            "No",
            "Tn",
            "Ny",
            "Nn",
            "Sdr",
            "Sdri",
            "Bpk",
            "Kol",
            "Letjen",
            "Mayjen",
            "Brigjen",
            "Kompol",
            "Ir",
            "Drs",
            "Dra",
            "H",
            "Hj",
            "drg",
            "dr",
            "Prof",
            "Kec",
            "Kab",
            "Kel",
            "TP",
            "Tp",
        }
    ),
    "*": frozenset({"TP", "Tp", "No", "St", "Dr", "Mr", "Mrs", "Ms", "Prof", "Gen", "Lt", "Col", "Capt"}),
}
# Languages written without spaces between sentences.
_NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my"})
# A closing quote or bracket that a splitter left at the start of the next sentence.
_STRAY_CLOSER_RE = re.compile(r"^([\"”’»)\]]+)(?=\s|$)")


@dataclass(frozen=True)
class Segment:
    """One sentence of one translatable field of one block."""

    block_index: int
    part: int  # list item index for lists, 0 otherwise
    sentence_index: int
    text: str  # inline HTML, markup balanced
    kind: SegmentKind


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of plain ``text``, surrounding whitespace excluded."""
    if not text.strip():
        return []
    raw = _underthesea_spans(text) if lang == "vi" else _sentencex_spans(text, lang)
    spans = _attach_stray_closers(text, raw)
    return [(s, e) for s, e in (_strip_span(text, s, e) for s, e in spans) if e > s]


def split_sentences(text: str, lang: str) -> list[str]:
    """The sentences of plain ``text``."""
    return [text[s:e] for s, e in sentence_spans(text, lang)]


def _underthesea_spans(text: str) -> list[tuple[int, int]]:
    from underthesea import sent_tokenize  # slow to import: only when Vietnamese is segmented

    spans: list[tuple[int, int]] = []
    pos = 0
    for sentence in sent_tokenize(text):
        start = text.find(sentence, pos)
        if start < 0:  # the tokenizer changed the text: keep it whole rather than guess
            return [(0, len(text))]
        spans.append((start, start + len(sentence)))
        pos = start + len(sentence)
    return spans


def _sentencex_spans(text: str, lang: str) -> list[tuple[int, int]]:
    from sentencex import get_sentence_boundaries

    spans = [(b["start_index"], b["end_index"]) for b in get_sentence_boundaries(lang, text)]
    abbreviations = _EXTRA_ABBREVIATIONS.get(lang, frozenset()) | _EXTRA_ABBREVIATIONS["*"]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _ends_with_abbreviation(text[merged[-1][0] : merged[-1][1]], abbreviations):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _ends_with_abbreviation(sentence: str, abbreviations: frozenset[str]) -> bool:
    words = sentence.rstrip().split()
    if not words or not words[-1].endswith("."):
        return False
    last = words[-1].rstrip(".").lstrip("(\"'“")
    return last in abbreviations or (len(last) == 1 and last.isupper())  # an initial: "J. Smith"


def _attach_stray_closers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Move ``”`` from the start of a sentence to the end of the one it closes."""
    fixed: list[tuple[int, int]] = []
    for start, end in spans:
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        m = _STRAY_CLOSER_RE.match(text[start + lead : end])
        if fixed and m:
            cut = start + lead + m.end()
            fixed[-1] = (fixed[-1][0], cut)
            start = cut
        fixed.append((start, end))
    return fixed


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_html(text: str, lang: str) -> list[str]:
    """Sentences of an inline-HTML string, each with balanced markup.

    Sentences are found on the plain text (tags and URLs would confuse the
    splitters); a boundary inside an element is dropped, so the element stays
    in one segment.
    """
    tokenized, restore_map = protect(text)
    if not restore_map:
        return split_sentences(text, lang)
    plain, positions = _without_tokens(tokenized)
    spans = sentence_spans(plain, lang)
    if not spans:
        return []
    cuts = [_cut_before(tokenized, positions[start]) for start, _ in spans[1:]]
    cuts = [c for c in cuts if _depth_at(tokenized, c) == 0]
    pieces = [tokenized[a:b] for a, b in zip([0, *cuts], [*cuts, len(tokenized)], strict=True)]
    out: list[str] = []
    for piece in pieces:
        wanted = {token_id(m) for m in TOKEN_RE.finditer(piece)}
        subset = RestoreMap(tuple(p for p in restore_map.placeholders if p.id in wanted), html=True)
        sentence = restore_best_effort(piece, subset).text.strip()
        if sentence:
            out.append(sentence)
    return out


def _without_tokens(tokenized: str) -> tuple[str, list[int]]:
    """The text without tokens, and for each of its characters the index in ``tokenized``.

    A lone token (``<br>``) becomes a space so the words on either side stay apart.
    """
    chars: list[str] = []
    positions: list[int] = []
    pos = 0
    for m in TOKEN_RE.finditer(tokenized):
        chars.extend(tokenized[pos : m.start()])
        positions.extend(range(pos, m.start()))
        if token_role(m) == "self":
            chars.append(" ")
            positions.append(m.start())
        pos = m.end()
    chars.extend(tokenized[pos:])
    positions.extend(range(pos, len(tokenized)))
    return "".join(chars), positions


def _cut_before(tokenized: str, index: int) -> int:
    """Move a cut left over whitespace and opening tokens, so they start the next sentence."""
    while index > 0:
        if tokenized[index - 1].isspace():
            index -= 1
            continue
        m = _token_ending_at(tokenized, index)
        if m is not None and token_role(m) == "open":
            index = m.start()
            continue
        break
    return index


def _token_ending_at(tokenized: str, index: int) -> re.Match[str] | None:
    for m in TOKEN_RE.finditer(tokenized, 0, index):
        if m.end() == index:
            return m
    return None


def _depth_at(tokenized: str, index: int) -> int:
    depth = 0
    for m in TOKEN_RE.finditer(tokenized, 0, index):
        role = token_role(m)
        depth += 1 if role == "open" else -1 if role == "close" else 0
    return depth


def _fields(block: Block) -> list[tuple[int, str]]:
    """(part, inline HTML) of each translatable field of a block."""
    kind = block.get("type")
    if kind == "list":
        return [(i, item) for i, item in enumerate(block.get("items", [])) if isinstance(item, str)]
    field = _TEXT_FIELD.get(str(kind))
    value = block.get(field) if field else None
    return [(0, value)] if isinstance(value, str) and value.strip() else []


def split_blocks(blocks: Sequence[Block], lang: str) -> list[Segment]:
    """Every sentence to translate, in reading order."""
    segments: list[Segment] = []
    for block_index, block in enumerate(blocks):
        kind = _KIND.get(str(block.get("type")))
        if kind is None:
            continue
        for part, text in _fields(block):
            for n, sentence in enumerate(split_html(text, lang)):
                segments.append(Segment(block_index, part, n, sentence, kind))
    return segments


def join_segments(blocks: Sequence[Block], translated: Sequence[Segment], lang: str = "") -> list[Block]:
    """New blocks shaped like ``blocks`` with each field rebuilt from its translated segments.

    ``translated`` are segments from ``split_blocks`` with ``text`` replaced by
    the translation; ``lang`` (the target) decides whether sentences are joined
    with a space. Fields without segments are copied unchanged.
    """
    joiner = "" if lang in _NO_SPACE_LANGUAGES else " "
    parts: dict[tuple[int, int], list[Segment]] = {}
    for segment in translated:
        parts.setdefault((segment.block_index, segment.part), []).append(segment)
    out: list[Block] = []
    for block_index, block in enumerate(blocks):
        new = copy.deepcopy(block)
        field = _TEXT_FIELD.get(str(block.get("type")))
        for part, _ in _fields(block):
            sentences = parts.get((block_index, part))
            if not sentences:
                continue
            text = joiner.join(s.text for s in sorted(sentences, key=lambda s: s.sentence_index))
            if block.get("type") == "list":
                new["items"][part] = text
            elif field is not None:
                new[field] = text
        out.append(new)
    return out
