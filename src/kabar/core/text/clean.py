"""The clean stage: one canonical text form, no furniture, every paragraph once.

``clean`` is pure and idempotent (``clean(clean(d)) == clean(d)``): it builds a
new ``Extracted`` and leaves its input alone, so a stage that is abandoned on
timeout cannot have half-changed anything.

What it does, in order:

1. Unicode NFC everywhere (captures and some CMSs store Vietnamese with
   combining marks: "Vie\\u0302\\u0323t"), then the old/new tone-mark placement
   ("hoà"/"hòa") made uniform with underthesea's token table; invisible
   characters removed and every run of whitespace (NBSP included) made one space.
2. Blocks that are page furniture (``boilerplate``), inline "read also" links
   and bare image file names are dropped, as are blocks without a letter or digit.
3. Credits left inside captions are moved to the credit field.
4. Duplicate text blocks are dropped, keeping the first: exact or near
   duplicates (token Jaccard >= ``NEAR_DUPLICATE``, so "perdamaian , stabilitas"
   and "perdamaian, stabilitas" are one paragraph), body paragraphs that repeat
   an image caption, the lead or the title, and repeated images.
5. A trailing "Tin liên quan"/"Baca juga" heading and the headline list after it
   are cut.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import cast

from kabar.core.blocks import strip_tags
from kabar.core.stage import check_size, run_with_timeout
from kabar.core.text.boilerplate import is_boilerplate, is_list_heading, is_read_also_line
from kabar.core.text.credits import is_file_name, split_credit
from kabar.core.types import Block, Extracted

STAGE = "clean"
NEAR_DUPLICATE = 0.9  # token-set Jaccard at or above which two paragraphs are one
MIN_TOKENS_FOR_NEAR = 5  # shorter texts must match exactly: one word is a large share of them
TRAILING_LIST_ITEM_MAX_CHARS = 200  # a headline in a "related stories" list is shorter than this

# Characters that render as nothing but break comparison and word splitting.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e]")
_WHITESPACE = re.compile(r"\s+")  # in Python 3 \s covers NBSP, thin and ideographic spaces
_WORD = re.compile(r"\w+")


def _vietnamese_tone_placement(text: str) -> str:
    # underthesea's table also rewrites a few plain-ASCII spellings ("qui" ->
    # "quy") that are ordinary words in other languages, so only words with
    # Vietnamese letters are looked up; its character table (ð -> đ) is skipped.
    # Imported here: the package takes half a second to import, which ASCII-only
    # text (and every command that merely imports this module) need not pay.
    # Words are found with a plain ``\w+`` and tested with ``str.isascii``: the pattern
    # this replaced (``\w*[^\W\x00-\x7f]\w*``) backtracked over every start position of an
    # ASCII run, quadratic in its length (a 40,000-letter word took seven seconds, holding
    # the GIL so that no thread-based time limit could fire).
    if text.isascii():
        return text
    return _WORD.sub(_tone_normalized_word, text)


def _tone_normalized_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii():
        return word
    return str(_token_normalize()(word, use_character_normalize=False))


@functools.cache
def _token_normalize() -> Callable[..., str]:
    # Imported on first use (see above), and once: an import statement run per word, even of a
    # module already loaded, was two thirds of normalize_text's time on Vietnamese text.
    from underthesea.pipeline.text_normalize import token_normalize

    return cast(Callable[..., str], token_normalize)


def normalize_text(text: str) -> str:
    """NFC, uniform Vietnamese tone marks, no invisible characters, single spaces, stripped."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return _vietnamese_tone_placement(text)


def comparison_tokens(text: str) -> tuple[str, ...]:
    """Words of ``text`` in order, case-folded, without markup, punctuation or spacing."""
    return tuple(_WORD.findall(strip_tags(text).casefold()))


def _jaccard_at_least(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    smaller, larger = sorted((len(a), len(b)))
    if smaller < threshold * larger:  # Jaccard is at most smaller/larger: skip the set work
        return False
    return len(a & b) >= threshold * len(a | b)


def is_near_duplicate(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when two token sequences are the same text up to spacing, punctuation or a word or two."""
    if a == b:
        return bool(a)
    if min(len(a), len(b)) < MIN_TOKENS_FOR_NEAR:
        return False
    return _jaccard_at_least(frozenset(a), frozenset(b), NEAR_DUPLICATE)


class _Seen:
    """Texts already kept; answers whether a new one repeats any of them."""

    def __init__(self) -> None:
        self._exact: set[tuple[str, ...]] = set()
        self._near: list[frozenset[str]] = []  # word sets of texts long enough for near matching

    def add(self, tokens: tuple[str, ...]) -> None:
        if tokens and tokens not in self._exact:
            self._exact.add(tokens)
            if len(tokens) >= MIN_TOKENS_FOR_NEAR:
                self._near.append(frozenset(tokens))

    def __contains__(self, tokens: tuple[str, ...]) -> bool:
        if tokens in self._exact:
            return True
        if len(tokens) < MIN_TOKENS_FOR_NEAR:
            return False
        words = frozenset(tokens)
        return any(_jaccard_at_least(words, seen, NEAR_DUPLICATE) for seen in self._near)


def _text_is_furniture(text: str) -> bool:
    plain = strip_tags(text)
    # No letters or digits at all: separators like "* * *" or a lone "—".
    return not _WORD.search(plain) or is_boilerplate(plain) or is_file_name(plain) or is_read_also_line(plain)


def _clean_image(block: Block) -> Block | None:
    src = str(block.get("src", "")).strip()
    if not src:
        return None
    cleaned = dict(block, src=src)
    for field in ("caption", "credit", "alt"):
        if field in cleaned:
            value = normalize_text(str(cleaned[field]))
            cleaned[field] = "" if is_file_name(value) else value
    if not cleaned.get("credit") and cleaned.get("caption"):
        cleaned["caption"], cleaned["credit"] = split_credit(cleaned["caption"])
    if "alt" in cleaned and not cleaned["alt"]:
        del cleaned["alt"]
    return cleaned


def _clean_block(block: Block) -> Block | None:
    kind = block.get("type")
    if kind == "image":
        return _clean_image(block)
    if kind == "list":
        items = [normalize_text(str(i)) for i in block.get("items", [])]
        kept = list(dict.fromkeys(i for i in items if not _text_is_furniture(i)))
        return dict(block, items=kept) if kept else None
    text = normalize_text(str(block.get("text", "")))
    if _text_is_furniture(text):
        return None
    return dict(block, text=text)


def _is_headline_like(block: Block) -> bool:
    if block["type"] == "image":
        return True
    if block["type"] == "list":
        return all(len(strip_tags(i)) <= TRAILING_LIST_ITEM_MAX_CHARS for i in block["items"])
    text = strip_tags(block["text"])
    return len(text) <= TRAILING_LIST_ITEM_MAX_CHARS and not text.rstrip().endswith((".", "…", "!", "?"))


def _without_trailing_list(blocks: list[Block]) -> list[Block]:
    """Cut a "related stories" heading when only headline-like blocks follow it."""
    for index, block in enumerate(blocks):
        starts_list = block["type"] in ("heading", "paragraph") and is_list_heading(strip_tags(block["text"]))
        if starts_list and all(_is_headline_like(b) for b in blocks[index + 1 :]):
            return blocks[:index]
    return blocks


def _deduplicated(blocks: list[Block], *, title: str, lead: str) -> list[Block]:
    captions = _Seen()
    for block in blocks:
        if block["type"] == "image" and block.get("caption"):
            captions.add(comparison_tokens(block["caption"]))
            # Captures repeat the caption with its credit as a paragraph.
            captions.add(comparison_tokens(f"{block['caption']} {block.get('credit', '')}"))
    seen = _Seen()
    for header in (title, lead):
        seen.add(comparison_tokens(header))
    kept: list[Block] = []
    images_seen: set[tuple[str, str]] = set()
    for block in blocks:
        if block["type"] == "image":
            key = (block["src"], block.get("caption", ""))
            if key in images_seen:
                continue
            images_seen.add(key)
            kept.append(block)
            continue
        if block["type"] == "list":
            kept.append(block)
            continue
        tokens = comparison_tokens(block["text"])
        if tokens in seen or tokens in captions:
            continue
        if comparison_tokens(split_credit(strip_tags(block["text"]))[0]) in captions:
            continue
        seen.add(tokens)
        kept.append(block)
    return kept


def _unique_nonempty(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in (normalize_text(v) for v in values) if v))


def _clean(doc: Extracted) -> Extracted:
    blocks = [b for b in (_clean_block(block) for block in doc.blocks) if b is not None]
    title = normalize_text(doc.title)
    lead = normalize_text(doc.lead)
    # Deduplicate before cutting the trailing list: a cut never changes which earlier
    # blocks are first occurrences, whereas dropping a duplicate can turn the
    # blocks after a list heading into a headline list and so make a second run cut.
    blocks = _without_trailing_list(_deduplicated(blocks, title=title, lead=lead))
    return dataclasses.replace(
        doc,
        title=title,
        lead=lead,
        blocks=blocks,
        source_url=doc.source_url.strip(),
        outlet=normalize_text(doc.outlet),
        authors=_unique_nonempty(doc.authors),
        section=normalize_text(doc.section),
        site_name=normalize_text(doc.site_name),
        flags=list(dict.fromkeys(doc.flags)),
    )


def document_size(doc: Extracted) -> int:
    """Characters of text in a document, for the size cap."""
    size = len(doc.title) + len(doc.lead) + len(doc.outlet) + len(doc.site_name) + len(doc.section)
    for block in doc.blocks:
        size += sum(len(str(v)) for v in block.values() if isinstance(v, str))
        size += sum(len(str(i)) for i in block.get("items", []))
    return size


def clean(doc: Extracted, *, timeout: float | None = 10.0, max_chars: int = 2_000_000) -> Extracted:
    """A cleaned copy of ``doc`` (see the module docstring); raises ``TooLarge`` or ``StageTimeout``.

    ``timeout=None`` runs it in the calling thread, for a caller that enforces the limit
    itself (a worker process killed at its deadline, see ``kabar.core.workers``).
    """
    check_size(STAGE, document_size(doc), max_chars)
    return run_with_timeout(STAGE, timeout, _clean, doc)
