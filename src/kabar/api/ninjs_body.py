"""An article's body as the clean HTML (and plain text) that ninjs ``bodies`` carry.

The blocks go through the reader site's own filter first (``kabar.site.body.prepare_blocks``:
inline markup sanitised, repeated paragraphs, captions and file names dropped, heading levels
without gaps), so a partner gets the body a reader sees. This module only writes the tags the
article template writes, with absolute URLs, because the HTML will be shown on another site.
The finished HTML is sanitised once more as a whole: whatever the blocks held, only the tags
and attributes below leave kabar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import nh3
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from kabar.core.blocks import INLINE_ATTRIBUTES, INLINE_TAGS, strip_tags
from kabar.site.body import Figure

BODY_TAGS = INLINE_TAGS | {
    "p",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "figure",
    "figcaption",
    "img",
    "span",
}
BODY_ATTRIBUTES: dict[str, set[str]] = {
    **INLINE_ATTRIBUTES,
    "img": {"src", "alt", "width", "height"},
    "span": {"class", "lang"},
    "figure": {"class"},
}
# No javascript:, data: or file: links survive, whatever an outlet's markup held.
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Body:
    html: str
    plain: str
    char_count: int
    word_count: int


def render_body(blocks: Iterable[dict[str, Any]], *, language: str, absolute: Callable[[str], str]) -> Body:
    """HTML and plain text of ``blocks`` as ``prepare_blocks`` returns them.

    Counts follow ninjs: characters and words of the text, figure captions excluded.
    """
    html_parts: list[str] = []
    plain_parts: list[str] = []
    with translation.override(language):
        for block in blocks:
            kind = block["type"]
            if kind == "image":
                html_parts.append(figure_html(block["figure"], absolute))
                continue
            if kind == "list":
                tag = "ol" if block.get("ordered") else "ul"
                items = "".join(format_html("<li>{}</li>", _safe(i)) for i in block["items"])
                html_parts.append(format_html("<{}>{}</{}>", tag, mark_safe(items), tag))
                plain_parts.extend(strip_tags(i).strip() for i in block["items"])
                continue
            text = block["text"]
            plain_parts.append(strip_tags(text).strip())
            if kind == "heading":
                level = int(block["level"])
                html_parts.append(format_html("<h{}>{}</h{}>", level, _safe(text), level))
            elif kind == "quote":
                quote = format_html("<blockquote><p>{}</p></blockquote>", _safe(text))
                cite = block.get("cite") or ""
                caption = format_html("<figcaption>{}</figcaption>", cite) if cite else ""
                html_parts.append(format_html('<figure class="quote">{}{}</figure>', quote, caption))
            else:
                html_parts.append(format_html("<p>{}</p>", _safe(text)))
    plain = "\n\n".join(p for p in plain_parts if p)
    return Body(
        html=clean_html("\n".join(html_parts), absolute),
        plain=plain,
        char_count=len(plain),
        word_count=len(plain.split()),
    )


def figure_html(figure: Figure, absolute: Callable[[str], str]) -> str:
    """A ``<figure>`` as the article page writes it (``site/_figure.html``), with an absolute src."""
    image = ""
    if figure.has_picture:
        size = "".join(
            format_html(' {}="{}"', name, value)
            for name, value in (("width", figure.width), ("height", figure.height))
            if value
        )
        image = format_html('<img src="{}" alt="{}"{}>', absolute(figure.src), figure.alt, mark_safe(size))
    caption_parts = []
    if figure.caption:
        lang = format_html(' lang="{}"', figure.caption_language) if figure.caption_language else ""
        caption_parts.append(format_html('<span class="caption"{}>{}</span>', lang, _safe(figure.caption)))
    if figure.show_credit:
        # The same words as the page (msgid of site/_figure.html), in the body's language.
        credit = gettext("Photo: %(credit)s") % {"credit": escape(figure.credit)}
        caption_parts.append(format_html('<span class="credit">{}</span>', mark_safe(credit)))
    caption = (
        format_html("<figcaption>{}</figcaption>", mark_safe(" ".join(caption_parts)))
        if caption_parts
        else ""
    )
    return format_html('<figure class="figure">{}{}</figure>', image, caption)


def clean_html(html: str, absolute: Callable[[str], str]) -> str:
    """``html`` with only the body tags, safe URL schemes, and links made absolute."""

    def absolute_urls(tag: str, attribute: str, value: str) -> str | None:
        if (
            (tag, attribute) in {("a", "href"), ("img", "src")}
            and value.startswith("/")
            and not value.startswith("//")
        ):
            return absolute(value)
        return value

    return nh3.clean(
        html,
        tags=BODY_TAGS,
        attributes=BODY_ATTRIBUTES,
        attribute_filter=absolute_urls,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
    )


def _safe(inline_html: str) -> SafeString:
    # prepare_blocks has already passed this text through sanitize_inline (nh3); the whole
    # body is cleaned again in clean_html, so trusting it here cannot let markup through.
    return mark_safe(inline_html)
