"""trafilatura's XML body -> kabar body blocks.

trafilatura describes the main text with its own small vocabulary (``p``,
``head``, ``list``/``item``, ``quote``, ``graphic``, ``table``, inline ``hi``,
``ref`` and ``lb``). This maps it onto ``kabar.core.blocks``: inline emphasis
and links survive as sanitised inline HTML, everything else becomes text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from lxml.etree import _Element

from kabar.core.blocks import sanitize_inline, strip_tags
from kabar.core.types import Block

ImageLookup = Callable[[str], Block | None]

INLINE_STYLES = {"#b": "strong", "#i": "em", "#t": "code", "#sub": "sub", "#sup": "sup"}
HEADING_LEVELS = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}


def _inline(el: _Element, images: list[Block], lookup: ImageLookup) -> str:
    """Inline HTML of an element's content; images met on the way are collected in ``images``."""
    parts = [html.escape(el.text or "", quote=False)]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "graphic":
            block = lookup(child.get("src", ""))
            if block is not None:
                images.append(block)
        elif tag == "lb":
            parts.append("<br>")
        elif tag == "ref" and child.get("target", "").startswith(("http://", "https://")):
            href = html.escape(child.get("target", ""))
            parts.append(f'<a href="{href}">{_inline(child, images, lookup)}</a>')
        elif tag == "hi" and child.get("rend") in INLINE_STYLES:
            name = INLINE_STYLES[child.get("rend", "")]
            parts.append(f"<{name}>{_inline(child, images, lookup)}</{name}>")
        elif tag in ("p", "item", "head", "quote", "list"):
            parts.append(" " + _inline(child, images, lookup) + " ")
        elif tag:
            parts.append(_inline(child, images, lookup))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _tidy(inline_html: str) -> str:
    """Collapse whitespace and sanitise; drop a leading or trailing <br>."""
    text = re.sub(r"\s+", " ", inline_html.replace("\u00a0", " ")).strip()
    text = re.sub(r"^(?:<br>\s*)+|(?:\s*<br>)+$", "", text)
    text = sanitize_inline(text).strip()
    # nh3 keeps empty emphasis; it carries nothing.
    return re.sub(r"<(strong|em|b|i|code|sub|sup)>\s*</\1>", "", text).strip()


def _text_block(kind: str, el: _Element, lookup: ImageLookup, **extra: object) -> list[Block]:
    images: list[Block] = []
    text = _tidy(_inline(el, images, lookup))
    blocks: list[Block] = []
    if strip_tags(text).strip():
        blocks.append({"type": kind, "text": text, **extra})
    return blocks + images


def xml_to_blocks(body: _Element, lookup: ImageLookup) -> list[Block]:
    """Blocks for each top-level element of trafilatura's ``<body>``, in order."""
    blocks: list[Block] = []
    for el in body:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "graphic":
            block = lookup(el.get("src", ""))
            if block is not None:
                blocks.append(block)
        elif tag == "head":
            level = HEADING_LEVELS.get(el.get("rend", ""), 3)
            blocks.extend(_text_block("heading", el, lookup, level=level))
        elif tag == "quote":
            blocks.extend(_text_block("quote", el, lookup))
        elif tag == "list":
            blocks.extend(_list_blocks(el, lookup))
        elif tag == "table":
            blocks.extend(_table_blocks(el, lookup))
        elif tag:
            blocks.extend(_text_block("paragraph", el, lookup))
    return blocks


def _list_blocks(el: _Element, lookup: ImageLookup) -> list[Block]:
    images: list[Block] = []
    items = [_tidy(_inline(item, images, lookup)) for item in el.iterfind("item")]
    items = [i for i in items if strip_tags(i).strip()]
    blocks: list[Block] = []
    if items:
        blocks.append({"type": "list", "ordered": el.get("rend", "") == "ol", "items": items})
    return blocks + images


def _table_blocks(el: _Element, lookup: ImageLookup) -> list[Block]:
    """A table has no block of its own: each row becomes a paragraph, cells joined by " | "."""
    blocks: list[Block] = []
    for row in el.iter("row"):
        images: list[Block] = []
        cells = [_tidy(_inline(cell, images, lookup)) for cell in row.iterfind("cell")]
        text = " | ".join(c for c in cells if strip_tags(c).strip())
        if text:
            blocks.append({"type": "paragraph", "text": text})
        blocks.extend(images)
    return blocks
