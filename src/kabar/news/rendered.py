"""What a page shows of a text's body, worked out once when the text is saved.

Body blocks and image captions carry inline HTML from outlets and MT engines. Sanitising it
(nh3) and taking its plain text for duplicate checks cost tens of calls per article page, and
the answer only changes when the text does. ``ArticleText.save()`` and ``Media.save()`` store
the results (``rendered_body``, ``rendered_summary``, ``rendered_captions``); the reader site
reads them and calls no sanitiser. Pure functions of the stored values, no Django.

Writes that call no save() are covered too: ``ArticleText``'s queryset renders in
``bulk_create``, ``bulk_update`` and ``update`` when they touch the lead or blocks. A rendered
body records its format, and a page that finds another (or none) renders from the blocks as
before. A caption keeps the raw text it was made from, so a changed caption is never shown stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kabar.core.blocks import sanitize_inline, strip_tags
from kabar.core.text.credits import is_file_name

RENDERED_FORMAT = 1


def looks_like_file_name(text: str) -> bool:
    """True for text such as ``img-8949-8066.jpg`` (or an image's URL) that is a file name, not words.

    The same rule extraction applies (``kabar.core.text.credits.is_file_name``), on the text without markup.
    """
    return is_file_name(strip_tags(text))


def comparable(text: str) -> str:
    """Plain text folded for duplicate detection: tags, case and spacing do not matter."""
    return " ".join(strip_tags(text).split()).casefold()


def caption_html(text: str) -> str:
    """A caption as a page prints it: sanitised, and nothing when it is only a file name."""
    return "" if looks_like_file_name(text) else sanitize_inline(text).strip()


def first_paragraph(blocks: Iterable[Mapping[str, Any]]) -> str:
    """Plain text of the first paragraph, for descriptions when a text has no lead."""
    for block in blocks:
        if block.get("type") == "paragraph" and block.get("text"):
            return strip_tags(str(block["text"])).strip()
    return ""


def summary(lead: str, blocks: Iterable[Mapping[str, Any]]) -> str:
    """The plain text that teasers and descriptions show: the lead, else the first paragraph."""
    return strip_tags(lead).strip() or first_paragraph(blocks)


def rendered_caption(raw: str) -> dict[str, str]:
    """A caption's sanitised HTML, its plain text (alt text) and its duplicate-check key."""
    html = caption_html(raw)
    return {"html": html, "plain": strip_tags(html).strip(), "key": comparable(html)}


def stored_caption(raw: str) -> dict[str, str]:
    """``rendered_caption`` with the raw caption it was made from, to tell when it is out of date."""
    return {**rendered_caption(raw), "raw": raw}


def image_caption(block: Mapping[str, Any]) -> dict[str, str]:
    """An image block's caption, or its alt text when the caption is empty or a file name."""
    caption = rendered_caption(str(block.get("caption") or ""))
    if not caption["html"]:
        caption = rendered_caption(str(block.get("alt") or ""))
    return caption


def _block(block: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = block.get("type")
    if kind == "image":
        src = str(block.get("src") or "").strip()
        if not src:
            return None
        return {
            "type": "image",
            "src": src,
            "caption": image_caption(block),
            "credit": strip_tags(str(block.get("credit") or "")).strip(),
            "width": block.get("width"),
            "height": block.get("height"),
        }
    if kind == "list":
        items = [sanitize_inline(i) for i in block.get("items", []) if not looks_like_file_name(i)]
        return {
            "type": "list",
            "ordered": bool(block.get("ordered")),
            "items": items,
            "key": comparable(" ".join(items)),
        }
    if kind in {"paragraph", "heading", "quote"}:
        text = str(block.get("text") or "")
        shown: dict[str, Any] = {
            "type": kind,
            "html": sanitize_inline(text),
            "key": comparable(text),
            "file_name": looks_like_file_name(text),
        }
        if kind == "heading":
            shown["level"] = block.get("level")
        elif kind == "quote":
            shown["cite"] = strip_tags(str(block.get("cite") or "")).strip()
        return shown
    return None


def is_current(stored: Mapping[str, Any] | None) -> bool:
    """True when ``stored`` (a ``rendered_body``) was made in this module's format."""
    return stored is not None and stored.get("format") == RENDERED_FORMAT


def render_body(lead: str, blocks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """``ArticleText.rendered_body``: the lead and each block, sanitised, with their plain-text keys.

    Block by block and without the page's choices (which repeats to drop, heading levels), which
    depend on the article's images as well: ``kabar.site.body`` makes those per page, cheaply.
    """
    return {
        "format": RENDERED_FORMAT,
        "lead": sanitize_inline(lead),
        "lead_key": comparable(lead),
        "blocks": [_block(b) for b in blocks],
    }


def render_captions(captions: Mapping[str, str] | None) -> dict[str, dict[str, str]]:
    """``Media.rendered_captions``: every language's caption as ``rendered_caption`` gives it."""
    return {language: stored_caption(str(raw or "")) for language, raw in (captions or {}).items()}
