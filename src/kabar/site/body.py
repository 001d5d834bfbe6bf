"""Turns stored body blocks into what an article page shows.

Republished pages seen in the wild print a paragraph twice, repeat the lead or
an image caption as body text, and show image file names as if they were
prose. Extraction should not produce those, but the page is the last place to
stop them, so the body is filtered here before it reaches a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kabar.core.blocks import sanitize_inline, strip_tags
from kabar.core.text.credits import is_file_name


def looks_like_file_name(text: str) -> bool:
    """True for text such as ``img-8949-8066.jpg`` (or an image's URL) that is a file name, not words.

    The same rule extraction applies (``kabar.core.text.credits.is_file_name``), on the text without markup.
    """
    return is_file_name(strip_tags(text))


def comparable(text: str) -> str:
    """Plain text folded for duplicate detection: tags, case and spacing do not matter."""
    return " ".join(strip_tags(text).split()).casefold()


def _caption(text: str) -> str:
    return "" if looks_like_file_name(text) else sanitize_inline(text).strip()


@dataclass(frozen=True)
class Figure:
    src: str
    caption: str = ""  # sanitised inline HTML
    credit: str = ""
    width: int | None = None
    height: int | None = None
    caption_language: str = ""  # set when the caption is not in the page's language

    @property
    def alt(self) -> str:
        # The caption describes the picture; a file name never does. No caption: decorative, alt="".
        return strip_tags(self.caption).strip()

    @property
    def has_picture(self) -> bool:
        # Plain-text captures know a photo only by its caption (src "capture:image-1" or a bare
        # file name): keep the caption and credit, but never print a broken <img>.
        return self.src.startswith(("http://", "https://", "/"))

    @property
    def show_credit(self) -> bool:
        # Captions often carry the credit already ("… (Photo: VNA)"); do not print it twice.
        return bool(self.credit) and self.credit.casefold() not in strip_tags(self.caption).casefold()


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
    captions: dict[str, str] = media.captions or {}
    caption_language = ""
    caption = _caption(captions.get(language, ""))
    if not caption and fallback_language != language:
        caption = _caption(captions.get(fallback_language, ""))
        caption_language = fallback_language if caption else ""
    return Figure(
        src=src,
        caption=caption,
        credit=media.credit,
        width=media.width,
        height=media.height,
        caption_language=caption_language,
    )


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


def first_paragraph(blocks: Iterable[dict[str, Any]]) -> str:
    """Plain text of the first paragraph, for descriptions when a text has no lead."""
    for block in blocks:
        if block.get("type") == "paragraph" and block.get("text"):
            return strip_tags(str(block["text"])).strip()
    return ""
