"""Turns stored body blocks into what an article page shows.

Republished pages seen in the wild print a paragraph twice, repeat the lead or
an image caption as body text, and show image file names as if they were
prose. Extraction should not produce those, but the page is the last place to
stop them, so the body is filtered here before it reaches a template.

The sanitising and plain-text work behind that filter is done once, when a text or an image
is saved (``kabar.news.rendered``); ``page_blocks`` and ``figure_from_media`` read the stored
results and call no sanitiser. ``prepare_blocks`` does the whole job from raw blocks: for
rows stored without a rendered form, and for the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from kabar.core.blocks import sanitize_inline, strip_tags
from kabar.news.rendered import (
    caption_html,
    comparable,
    first_paragraph,
    is_current,
    looks_like_file_name,
    rendered_caption,
)

__all__ = [
    "Figure",
    "comparable",
    "figure_from_block",
    "figure_from_media",
    "first_block_figure",
    "first_paragraph",
    "lead_html",
    "looks_like_file_name",
    "page_blocks",
    "prepare_blocks",
    "summary",
]


def _caption(text: str) -> str:
    return caption_html(text)


def _stored_html(html: str) -> SafeString:
    # Sanitised by kabar.news.rendered when the row was saved; marked safe so that the
    # templates' inline_html filter does not sanitise it a second time.
    return mark_safe(html)  # noqa: S308 - nh3 output stored by ArticleText/Media.save()


@dataclass(frozen=True)
class Figure:
    src: str
    caption: str = ""  # sanitised inline HTML
    credit: str = ""
    width: int | None = None
    height: int | None = None
    caption_language: str = ""  # set when the caption is not in the page's language
    plain_caption: str | None = None  # the caption's plain text, when stored with it

    @property
    def alt(self) -> str:
        # The caption describes the picture; a file name never does. No caption: decorative, alt="".
        if self.plain_caption is not None:
            return self.plain_caption
        return strip_tags(self.caption).strip()

    @property
    def has_picture(self) -> bool:
        # Plain-text captures know a photo only by its caption (src "capture:image-1" or a bare
        # file name): keep the caption and credit, but never print a broken <img>.
        return self.src.startswith(("http://", "https://", "/"))

    @property
    def show_credit(self) -> bool:
        # Captions often carry the credit already ("… (Photo: VNA)"); do not print it twice.
        return bool(self.credit) and self.credit.casefold() not in self.alt.casefold()


def figure_from_block(block: dict[str, Any]) -> Figure | None:
    src = str(block.get("src") or "").strip()
    if not src:
        return None
    caption = _caption(str(block.get("caption") or ""))
    if not caption:
        alt = str(block.get("alt") or "")
        caption = "" if looks_like_file_name(alt) else sanitize_inline(alt).strip()
    return Figure(
        src=src,
        caption=caption,
        credit=strip_tags(str(block.get("credit") or "")).strip(),
        width=block.get("width"),
        height=block.get("height"),
    )


def figure_from_media(media: Any, language: str, fallback_language: str) -> Figure | None:
    """A ``news.Media`` row as a figure, its caption in ``language`` or else in the original language."""
    src = media.src
    if not src:
        return None
    caption_language = ""
    caption = _media_caption(media, language)
    if not caption["html"] and fallback_language != language:
        caption = _media_caption(media, fallback_language)
        caption_language = fallback_language if caption["html"] else ""
    return Figure(
        src=src,
        caption=caption["html"],
        credit=media.credit,
        width=media.width,
        height=media.height,
        caption_language=caption_language,
        plain_caption=caption["plain"],
    )


def _media_caption(media: Any, language: str) -> dict[str, str]:
    """The caption ``Media.save()`` rendered for ``language``; rendered now for a row stored without."""
    raw: str = (media.captions or {}).get(language, "")
    if not raw:
        return {"html": "", "plain": "", "key": ""}
    stored: dict[str, str] | None = (media.rendered_captions or {}).get(language)
    if stored is None or stored.get("raw") != raw:
        return rendered_caption(raw)
    return {**stored, "html": _stored_html(stored["html"])}


def page_blocks(text: Any, lead_figures: Sequence[Figure]) -> list[dict[str, Any]]:
    """``prepare_blocks`` for an ``ArticleText``, from what its save() rendered (no sanitiser call).

    A text stored without a rendered body (in the current format) is rendered here instead.
    """
    stored: dict[str, Any] = text.rendered_body
    if not is_current(stored):
        return prepare_blocks(text.blocks, text.lead, lead_figures)
    seen_text = {stored["lead_key"]} | {comparable_caption(f) for f in lead_figures}
    seen_text.discard("")
    seen_src = {f.src for f in lead_figures}
    out: list[dict[str, Any]] = []
    level_above = 1  # the page title is the h1
    for block in stored["blocks"]:
        kind = block["type"] if block else None
        if kind == "image":
            figure = _stored_figure(block)
            if figure.src in seen_src:
                continue
            seen_src.add(figure.src)
            if block["caption"]["key"]:
                seen_text.add(block["caption"]["key"])
            out.append({"type": "image", "figure": figure})
        elif kind == "list":
            key = block["key"]
            if not key or key in seen_text:
                continue
            seen_text.add(key)
            items = [_stored_html(i) for i in block["items"]]
            out.append({"type": "list", "ordered": block["ordered"], "items": items})
        elif kind in {"paragraph", "heading", "quote"}:
            key = block["key"]
            if not key or key in seen_text or block["file_name"]:
                continue
            seen_text.add(key)
            shown: dict[str, Any] = {"type": kind, "text": _stored_html(block["html"])}
            if kind == "heading":
                level = min(max(int(block.get("level") or 2), 2), level_above + 1, 4)
                level_above = level
                shown["level"] = level
            elif kind == "quote":
                shown["cite"] = block["cite"]
            out.append(shown)
    return out


def _stored_figure(block: dict[str, Any]) -> Figure:
    caption = block["caption"]
    return Figure(
        src=block["src"],
        caption=_stored_html(caption["html"]),
        credit=block["credit"],
        width=block["width"],
        height=block["height"],
        plain_caption=caption["plain"],
    )


def first_block_figure(text: Any) -> Figure | None:
    """The figure of the text's first image block (with a source), from what save() rendered."""
    stored: dict[str, Any] = text.rendered_body
    if not is_current(stored):
        return next(
            (f for b in text.blocks if b.get("type") == "image" and (f := figure_from_block(b))), None
        )
    return next((_stored_figure(b) for b in stored["blocks"] if b and b["type"] == "image"), None)


def comparable_caption(figure: Figure) -> str:
    """``comparable(figure.caption)``, from the stored plain text when the figure has it."""
    if figure.plain_caption is not None:
        return " ".join(figure.plain_caption.split()).casefold()
    return comparable(figure.caption)


def lead_html(text: Any) -> str:
    """The text's lead as the page prints it: stored sanitised by save(), else sanitised now."""
    stored: dict[str, Any] = text.rendered_body
    if is_current(stored):
        return _stored_html(stored["lead"])
    return sanitize_inline(text.lead)


def summary(text: Any) -> str:
    """The plain text teasers and descriptions show (lead, else first paragraph), as save() stored it."""
    # Lists leave the bodies out (queries.list_texts): every write keeps the summary in step.
    if "rendered_body" in text.get_deferred_fields() or is_current(text.rendered_body):
        return str(text.rendered_summary)
    return strip_tags(text.lead).strip() or first_paragraph(text.blocks)


def prepare_blocks(
    blocks: Iterable[dict[str, Any]], lead: str, lead_figures: Sequence[Figure]
) -> list[dict[str, Any]]:
    """Blocks for the template: sanitised, without repeats, file names or skipped heading levels.

    A text block is dropped when its text already appeared (as the lead, a
    caption or an earlier block); an image is dropped when its picture is
    already shown.
    """
    seen_text = {comparable(lead)} | {comparable(f.caption) for f in lead_figures}
    seen_text.discard("")
    seen_src = {f.src for f in lead_figures}
    out: list[dict[str, Any]] = []
    level_above = 1  # the page title is the h1
    for block in blocks:
        kind = block.get("type")
        if kind == "image":
            figure = figure_from_block(block)
            if figure is None or figure.src in seen_src:
                continue
            seen_src.add(figure.src)
            if figure.caption:
                seen_text.add(comparable(figure.caption))
            out.append({"type": "image", "figure": figure})
        elif kind == "list":
            items = [sanitize_inline(i) for i in block.get("items", []) if not looks_like_file_name(i)]
            key = comparable(" ".join(items))
            if not key or key in seen_text:
                continue
            seen_text.add(key)
            out.append({"type": "list", "ordered": bool(block.get("ordered")), "items": items})
        elif kind in {"paragraph", "heading", "quote"}:
            text = str(block.get("text") or "")
            key = comparable(text)
            if not key or key in seen_text or looks_like_file_name(text):
                continue
            seen_text.add(key)
            shown: dict[str, Any] = {"type": kind, "text": sanitize_inline(text)}
            if kind == "heading":
                level = min(max(int(block.get("level") or 2), 2), level_above + 1, 4)
                level_above = level
                shown["level"] = level
            elif kind == "quote":
                shown["cite"] = strip_tags(str(block.get("cite") or "")).strip()
            out.append(shown)
    return out
