"""The bilingual compare view: an article beside another language version of it, block by block.

Translations keep their original's block structure (one translated block per
source block), so block ``i`` of one text is the counterpart of block ``i`` of
the other. Pairs are made on the stored blocks *before* the page filters them:
``prepare_blocks`` may drop a repeated paragraph in one text and not in the
other, and pairing what is left afterwards would shift every later pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from kabar.core.blocks import sanitize_inline
from kabar.news.models import ArticleText
from kabar.site.article_page import lead_figures
from kabar.site.body import Figure, comparable, looks_like_file_name, prepare_blocks
from kabar.site.languages import endonym, name_in_sentence, site_language_codes

COMPARE_PARAMETER = "compare"


@dataclass(frozen=True)
class Cell:
    """One text's part of a row: a title or lead (a string), or a prepared body block."""

    side: str  # "shown" (the page's own text) or "compared"
    language: str
    content: Any  # "" or None where this text has nothing at this place


@dataclass(frozen=True)
class Row:
    kind: str  # "title", "lead" or "block"
    cells: tuple[Cell, ...]  # shown then compared; the compared cell alone when nothing is paired


@dataclass(frozen=True)
class Column:
    language: str
    name: str  # the language's own name, for the column label
    status: str  # "original", "machine translation", … in the page's language


@dataclass(frozen=True)
class Comparison:
    shown: Column
    compared: Column
    compared_name_in_sentence: str
    head_rows: list[Row]
    # When ``paired`` is false the structures differ: ``body_rows`` then holds the compared text
    # alone (one cell per row) and the page prints it after its own body.
    paired: bool
    body_rows: list[Row]


def compared_text(text: ArticleText, language: str) -> ArticleText | None:
    """The published text of the same article in ``language``, if the site serves one.

    Reads ``text.article.texts`` as ``queries.article_text`` prefetched it (published texts only),
    so it costs no query.
    """
    if language == text.language or language not in site_language_codes():
        return None
    return next((t for t in text.article.texts.all() if t.language == language and t.is_published), None)


def same_structure(shown: Sequence[dict[str, Any]], compared: Sequence[dict[str, Any]]) -> bool:
    """True when both bodies have the same number of blocks and the same block type at every index."""
    return len(shown) == len(compared) and all(
        a.get("type") == b.get("type") for a, b in zip(shown, compared, strict=True)
    )


def _stored_key(block: dict[str, Any]) -> tuple[str, object] | None:
    """What ``prepare_blocks`` would show for a stored block; None for blocks it always drops."""
    kind = str(block.get("type") or "")
    if kind == "image":
        return kind, str(block.get("src") or "").strip()
    if kind == "list":
        return kind, [sanitize_inline(i) for i in block.get("items", []) if not looks_like_file_name(i)]
    text = str(block.get("text") or "")
    if not comparable(text) or looks_like_file_name(text):
        return None
    return kind, sanitize_inline(text)


def _shown_key(shown: dict[str, Any]) -> tuple[str, object]:
    kind = str(shown["type"])
    if kind == "image":
        return kind, shown["figure"].src
    if kind == "list":
        return kind, shown["items"]
    return kind, shown["text"]


def by_index(
    blocks: Sequence[dict[str, Any]], prepared: Sequence[dict[str, Any]]
) -> list[dict[str, Any] | None]:
    """``prepared`` (``prepare_blocks`` of ``blocks``) laid back onto the stored indexes, None where dropped.

    ``prepare_blocks`` keeps a subsequence of the stored blocks, in order, and keeps the first of
    several alike blocks: once a block of some type and text is dropped, every later one like it
    is dropped too. So walking both lists and matching the next prepared block to the first stored
    block that looks like it finds exactly the blocks that were kept.
    """
    placed: list[dict[str, Any] | None] = [None] * len(blocks)
    pending = iter(prepared)
    wanted = next(pending, None)
    for index, block in enumerate(blocks):
        if wanted is not None and _stored_key(block) == _shown_key(wanted):
            placed[index] = wanted
            wanted = next(pending, None)
    if wanted is not None:
        raise ValueError("prepared blocks are not a subsequence of the stored blocks")
    return placed


def _pairs(
    shown: Sequence[dict[str, Any]],
    shown_body: Sequence[dict[str, Any]],
    other: Sequence[dict[str, Any]],
    other_body: Sequence[dict[str, Any]],
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]] | None:
    """Counterpart blocks, or None when the two bodies cannot be paired safely."""
    if not same_structure(shown, other):
        return None
    try:
        shown_at = by_index(shown, shown_body)
        other_at = by_index(other, other_body)
    except ValueError:
        # prepare_blocks changed in a way by_index does not follow: better no pairs than wrong ones.
        return None
    # A pair is left out only when both sides were dropped; a block dropped on one side leaves an
    # empty cell, so the blocks below keep their partners.
    return [(a, b) for a, b in zip(shown_at, other_at, strict=True) if a or b]


def _column(text: ArticleText) -> Column:
    return Column(language=text.language, name=endonym(text.language), status=text.get_status_display())


def compare(
    text: ArticleText,
    shown_body: Sequence[dict[str, Any]],
    other: ArticleText,
    other_figures: Sequence[Figure] | None = None,
) -> Comparison:
    """Pair ``text`` (already prepared as ``shown_body``) with ``other``, block by block where possible."""
    figures = lead_figures(other) if other_figures is None else other_figures
    other_body = prepare_blocks(other.blocks, other.lead, figures)

    def row(kind: str, shown: Any, compared: Any) -> Row:
        return Row(kind, (Cell("shown", text.language, shown), Cell("compared", other.language, compared)))

    head_rows = [row("title", text.title, other.title)]
    if text.lead or other.lead:
        head_rows.append(row("lead", text.lead, other.lead))
    pairs = _pairs(text.blocks, shown_body, other.blocks, other_body)
    if pairs is None:
        body_rows = [Row("block", (Cell("compared", other.language, b),)) for b in other_body]
    else:
        body_rows = [row("block", a, b) for a, b in pairs]
    return Comparison(
        shown=_column(text),
        compared=_column(other),
        compared_name_in_sentence=name_in_sentence(other.language),
        head_rows=head_rows,
        paired=pairs is not None,
        body_rows=body_rows,
    )


def compare_url(text: ArticleText, language: str) -> str:
    return f"{text.get_absolute_url()}?{urlencode({COMPARE_PARAMETER: language})}"


def compare_context(text: ArticleText, requested: str, body: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What ``site/article.html`` needs for comparing: the comparison asked for, and the link to one.

    ``requested`` is the ``?compare=`` value; an unknown or unpublished language is ignored and the
    plain article page is shown (the link that led there may simply be older than an unpublishing).
    """
    other = compared_text(text, requested.strip().lower()) if requested else None
    original = next(
        (t for t in text.article.texts.all() if t.status == ArticleText.Status.ORIGINAL and t.is_published),
        None,
    )
    link = ""
    if original is not None and original.pk != text.pk and compared_text(text, original.language):
        link = compare_url(text, original.language)
    return {
        "compare": compare(text, body, other) if other is not None else None,
        "compare_with_original_url": link,
    }
