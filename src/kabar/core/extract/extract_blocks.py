"""Newsroom clean-up of body blocks after extraction.

What a generic extractor keeps but a republished article must not show: the
title and standfirst repeated in the body, image captions repeated as
paragraphs, bylines and datelines above the story, furniture lines ("Share",
"Komentar (0)", "Baca juga: ..."), lists of other stories, and the closing
lines that are metadata rather than text — the "Nguồn: <URL>" line and the
all-caps author name.
"""

from __future__ import annotations

import re
import unicodedata

from kabar.core.blocks import strip_tags
from kabar.core.extract.dates import find_date
from kabar.core.extract.extract_dom import SOURCE_LINE, URL
from kabar.core.extract.extract_meta import BYLINE_PREFIX, normalize_space
from kabar.core.text.boilerplate import is_boilerplate, is_list_heading, is_read_also_line
from kabar.core.text.credits import is_file_name
from kabar.core.types import Block

HREF = re.compile(r'<a href="(https?://[^"]+)"')
MIN_TEASER_WORDS, MAX_TEASER_WORDS = 2, 15  # a headline, not a paragraph that happens to be linked
MAX_BYLINE_LINE_CHARS = 150
MAX_DATELINE_EXTRA_WORDS = 4  # "Published", "Cập nhật lúc", "WIB" around a date
OPENING_BLOCKS = 3  # a lead repeated in the body is one of its first blocks
# "HÀ LINH", "NGUYỄN VĂN AN", "HÀ LINH - MINH ANH": a closing byline, capitals only.
CAPS_BYLINE = re.compile(
    r"^[^\W\d_]+(?:[ .'’-]+[^\W\d_]+){1,5}(?:\s*[-–,/&]\s*[^\W\d_]+(?:[ .'’-]+[^\W\d_]+){1,5})*$"
)
MAX_BYLINE_CHARS = 60


def line_key(text: str) -> str:
    """Text reduced for "is this the same line" comparisons."""
    text = unicodedata.normalize("NFC", strip_tags(text)).casefold()
    return " ".join(re.findall(r"\w+", text))


def drop_repeats(
    blocks: list[Block], title: str, lead: str, *, lead_from_meta: bool
) -> tuple[list[Block], str, bool]:
    """Remove the title, the lead and image captions where the body repeats them.

    Returns the blocks, the lead (emptied when a description merely quotes the
    body) and whether the lead was the body's opening paragraph.
    """
    title_key, lead_key = line_key(title), line_key(lead)
    captions = set()
    for b in blocks:
        if b["type"] == "image" and b.get("caption"):
            captions.add(line_key(b["caption"]))
            captions.add(line_key(f"{b['caption']} {b.get('credit', '')}"))
    kept: list[Block] = []
    kept_text = 0  # text blocks kept so far, counted as they come: recounting made long pages quadratic
    lead_in_body = False
    for b in blocks:
        if b["type"] in ("paragraph", "heading"):
            key = line_key(b["text"])
            opening = kept_text < OPENING_BLOCKS
            if key and key == lead_key:
                if opening:
                    # A paragraph is the article's opening; a heading is a standfirst printed above it.
                    lead_in_body = lead_in_body or b["type"] == "paragraph"
                    continue
                if lead_from_meta:
                    lead = ""  # the description quotes a later paragraph: no standfirst
            if key and key == title_key or key in captions or is_file_name(strip_tags(b["text"])):
                continue
            # A description taken from the opening paragraph (often cut short with "...")
            # is no standfirst: the paragraph stays and the lead is left empty rather than repeat it.
            if lead_from_meta and not kept_text and lead_key and lead_key in key:
                lead = ""
        kept.append(b)
        kept_text += b["type"] != "image"
    return kept, lead, lead_in_body


def _is_byline_or_dateline(text: str, authors: list[str]) -> bool:
    """ "By Lan Pham · 11 October 2025", "Oleh Rina Sari", "Cập nhật 12/10/2025 14:30"."""
    if len(text) > MAX_BYLINE_LINE_CHARS:
        return False
    if BYLINE_PREFIX.match(text) or any(a and text.casefold().startswith(a.casefold()) for a in authors):
        return True
    found = find_date(text)
    if found is None:
        return False
    start, end = found[1]
    return len(line_key(text[:start] + " " + text[end:]).split()) <= MAX_DATELINE_EXTRA_WORDS


def drop_bylines(blocks: list[Block], authors: list[str]) -> list[Block]:
    """Remove the byline and dateline paragraphs printed above the story."""
    kept: list[Block] = []
    kept_text = 0  # counted as they come, not recounted per block (quadratic on long pages)
    for b in blocks:
        opening = kept_text < OPENING_BLOCKS
        if opening and b["type"] == "paragraph" and _is_byline_or_dateline(strip_tags(b["text"]), authors):
            continue
        kept.append(b)
        kept_text += b["type"] != "image"
    return kept


def _is_link_only(block: Block) -> bool:
    text = block.get("text", "")
    return bool(text) and not line_key(re.sub(r"<a [^>]*>.*?</a>", "", text))


def _is_headline_link(block: Block) -> bool:
    """A paragraph that is one headline-length link and nothing else ("READ MORE: ...")."""
    if block["type"] != "paragraph" or not _is_link_only(block) or block["text"].count("<a ") != 1:
        return False
    text = strip_tags(block["text"])
    return MIN_TEASER_WORDS <= len(line_key(text).split()) <= MAX_TEASER_WORDS and not URL.search(text)


def drop_furniture(blocks: list[Block]) -> list[Block]:
    """Remove boilerplate lines, "read also" lines and lists of other stories."""
    kept: list[Block] = []
    in_story_list = False
    for b in blocks:
        if b["type"] == "image":
            kept.append(b)
            continue
        texts = [strip_tags(t) for t in (b.get("items") or [b.get("text", "")])]
        if b["type"] in ("paragraph", "heading") and is_list_heading(texts[0]):
            in_story_list = True
            continue
        if in_story_list and (b["type"] == "list" or _is_link_only(b)):
            continue
        in_story_list = False
        if b["type"] == "list":
            items = [
                i
                for i in b["items"]
                if not (is_boilerplate(strip_tags(i)) or is_read_also_line(strip_tags(i)))
            ]
            if items:
                kept.append({**b, "items": items})
            continue
        if is_boilerplate(texts[0]) or is_read_also_line(texts[0]):
            continue
        # A paragraph that is one link and nothing else points readers elsewhere ("READ MORE: ...").
        if _is_headline_link(b):
            continue
        kept.append(b)
    return kept


def _is_teaser(text: str) -> bool:
    """A headline link, alone or followed by its blurb: how lists of other stories look."""
    match = re.match(r"\s*<a [^>]*>(.*?)</a>", text)
    return match is not None and len(line_key(match.group(1)).split()) >= MIN_TEASER_WORDS


def _is_linked_headline(text: str) -> bool:
    """A headline with its key words linked ("The strange life and <a>mysterious death of a coder</a>")."""
    words = len(line_key(text).split())
    linked = sum(len(line_key(m).split()) for m in re.findall(r"<a [^>]*>(.*?)</a>", text))
    return MIN_TEASER_WORDS <= words <= MAX_TEASER_WORDS and linked >= 0.4 * words


def _is_headline_list(items: list[str]) -> bool:
    """Every item links somewhere and most are linked headlines: "more stories", with a promo line or two."""
    headlines = sum(_is_linked_headline(i) for i in items)
    return len(items) >= 3 and all("<a " in i for i in items) and headlines >= 2 * len(items) / 3


def drop_trailing_teasers(blocks: list[Block]) -> list[Block]:
    """Remove the links to other stories that trail many articles, up to the last real text.

    Only the end of the body is trimmed: a link-only paragraph, a list of
    headline links, or an uncaptioned image there is what sites append after
    the story ("more from this section"), never the story itself.
    """
    end = len(blocks)
    while end > 0:
        b = blocks[end - 1]
        if b["type"] == "image":
            trailing = not b.get("caption")
        elif b["type"] == "list":
            trailing = all(_is_teaser(i) for i in b["items"]) or _is_headline_list(b["items"])
        else:
            trailing = b["type"] == "paragraph" and _is_link_only(b)
        if not trailing:
            break
        end -= 1
    # A captioned image closing the story stays even when teasers follow it.
    return blocks[:end] + [b for b in blocks[end:] if b["type"] == "image" and b.get("caption")]


def take_source_paragraph(blocks: list[Block]) -> tuple[list[Block], str]:
    """Remove the "Nguồn: https://..." line (last one wins) and return the URL it names."""
    for i in range(len(blocks) - 1, -1, -1):
        b = blocks[i]
        if b["type"] != "paragraph":
            continue
        match = SOURCE_LINE.match(strip_tags(b["text"]))
        if not match:
            continue
        href = HREF.search(b["text"])
        found = href.group(1) if href else (URL.search(match["rest"]) or [""])[0]
        if found:
            return blocks[:i] + blocks[i + 1 :], found.rstrip(".,;")
    return blocks, ""


def take_caps_byline(blocks: list[Block]) -> tuple[list[Block], str]:
    """Remove a closing all-caps name paragraph ("HÀ LINH") and return it as the author."""
    last = next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i]["type"] != "image"), None)
    if last is None or blocks[last]["type"] != "paragraph":
        return blocks, ""
    text = normalize_space(strip_tags(blocks[last]["text"]))
    if len(text) <= MAX_BYLINE_CHARS and text.isupper() and CAPS_BYLINE.match(text):
        return blocks[:last] + blocks[last + 1 :], text
    return blocks, ""
