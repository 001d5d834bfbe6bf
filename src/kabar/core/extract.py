"""The extract stage: one HTML page -> ``Extracted`` (title, lead, byline, dates, body blocks).

trafilatura finds the main text. Around it kabar adds what a newsroom needs
and a generic extractor does not keep: images paired with their captions and
credits (``extract_images``), the standfirst and furniture removed at DOM
level (``extract_dom``), outlet/byline/dates/section from the page's metadata
(``extract_meta``), and, on the resulting blocks, the newsroom conventions:
the "Nguồn:/Sumber:/Source:" line that names the original URL and the
all-caps author name that closes many Vietnamese articles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from kabar.core.blocks import strip_tags
from kabar.core.boilerplate import is_boilerplate, is_list_heading, is_read_also_line
from kabar.core.credits import is_file_name
from kabar.core.errors import StageError
from kabar.core.extract_body import xml_to_blocks
from kabar.core.extract_dom import remove_furniture, take_lead
from kabar.core.extract_images import PLACEHOLDER, LiftedImage, lift_images
from kabar.core.extract_meta import clean_author, merge_names, normalize_space, parse_machine_date, read_meta
from kabar.core.stage import check_size, run_with_timeout
from kabar.core.types import Block, Extracted

STAGE = "extract"

SOURCE_LINE = re.compile(
    r"^\s*[(\[]?\s*(?:nguồn|source|sumber|fuente|quelle|original)\s*:\s*(?P<rest>.*?)\s*[)\]]?\s*$", re.I
)
URL = re.compile(r"https?://[^\s<>\"')\]]+")
HREF = re.compile(r'<a href="(https?://[^"]+)"')
# "HÀ LINH", "NGUYỄN VĂN AN", "HÀ LINH - MINH ANH": a closing byline, capitals only.
CAPS_BYLINE = re.compile(
    r"^[^\W\d_]+(?:[ .'’-]+[^\W\d_]+){1,5}(?:\s*[-–,/&]\s*[^\W\d_]+(?:[ .'’-]+[^\W\d_]+){1,5})*$"
)
MAX_BYLINE_CHARS = 60
TAIL_BLOCKS = 4  # closing lines (byline, source) sit among the last few blocks


class ExtractionError(StageError):
    """The page held no article kabar could extract."""

    stage = STAGE


def extract_html(html: str, *, url: str, timeout: float = 20.0, max_bytes: int = 5_000_000) -> Extracted:
    """Extract the article in ``html`` (fetched from ``url``).

    Raises ``TooLarge`` past ``max_bytes`` (UTF-8), ``StageTimeout`` past
    ``timeout`` seconds and ``ExtractionError`` when no article text is found.
    """
    check_size(STAGE, len(html.encode("utf-8", "surrogatepass")), max_bytes)
    return run_with_timeout(STAGE, timeout, _extract, html, url)


def _key(text: str) -> str:
    """Text reduced for "is this the same line" comparisons."""
    text = unicodedata.normalize("NFC", strip_tags(text)).casefold()
    return " ".join(re.findall(r"\w+", text))


def _article_scope(tree: HtmlElement) -> HtmlElement | None:
    """The element holding the article, so that stray images outside it are not taken."""
    for xpath in (".//*[@itemprop='articleBody']", ".//article", ".//main", ".//*[@role='main']"):
        found = tree.xpath(xpath)
        if found:
            best: HtmlElement = max(found, key=lambda e: len(e.text_content()))
            parent = best.getparent()
            # The hero figure often sits in the article header, beside the body.
            return parent if xpath.startswith(".//*[@itemprop") and parent is not None else best
    return None


def _in_scope(el: HtmlElement, scope: HtmlElement | None) -> bool:
    return scope is not None and any(a is scope for a in el.iterancestors())


def _extract(html: str, url: str) -> Extracted:
    if not html.strip():
        raise ExtractionError("the document is empty")
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("not an HTML document")
    meta = read_meta(tree, url)
    remove_furniture(tree)
    lifted = lift_images(tree, url)
    scope = _article_scope(tree)
    lifted_in_scope = [_in_scope(item.anchor, scope) for item in lifted]
    page_lead = take_lead(tree)

    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        include_images=True,
        include_formatting=True,
        include_links=True,
        with_metadata=True,
    )
    if doc is None or doc.body is None:
        raise ExtractionError("no article text found")

    placed: set[int] = set()
    blocks = xml_to_blocks(doc.body, _image_lookup(lifted, placed))
    blocks = _add_unplaced_images(blocks, lifted, placed, lifted_in_scope)

    title = meta.title or normalize_space(doc.title or "")
    lead = page_lead or meta.description or normalize_space(doc.description or "")
    blocks, lead = _drop_repeats(blocks, title, lead)
    blocks = _drop_furniture(blocks)
    blocks, source_url = _take_source_line(blocks)
    blocks, closing_author = _take_caps_byline(blocks)
    if not any(b["type"] != "image" for b in blocks):
        raise ExtractionError("no article text found")

    authors = meta.authors or [n for a in (doc.author or "").split(";") for n in clean_author(a)]
    published = meta.published or (parse_machine_date(doc.date) if doc.date else None)
    return Extracted(
        url=url,
        title=title,
        lead=lead,
        blocks=blocks,
        source_url=source_url or meta.canonical or url,
        outlet=meta.outlet or normalize_space(doc.sitename or ""),
        authors=merge_names([closing_author] if closing_author else [], authors),
        published=published,
        updated=meta.updated,
        section=meta.section or next(iter(doc.categories or []), ""),
        language=meta.language,
    )


def _image_lookup(lifted: list[LiftedImage], placed: set[int]) -> Callable[[str], Block | None]:
    def lookup(src: str) -> Block | None:
        match = PLACEHOLDER.search(src)
        if not match:
            return None  # an image kabar judged decoration, or one the extractor invented
        index = int(match.group(1))
        if index >= len(lifted) or index in placed:
            return None
        placed.add(index)
        return lifted[index].image.as_block()

    return lookup


def _add_unplaced_images(
    blocks: list[Block], lifted: list[LiftedImage], placed: set[int], in_scope: list[bool]
) -> list[Block]:
    """Put back captioned article images the extractor left out (typically the hero image).

    Each goes right after the placed image that precedes it on the page, or
    first when none does.
    """
    result = list(blocks)
    last_placed_src: str | None = None
    for index, item in enumerate(lifted):
        if index in placed:
            last_placed_src = item.image.src
            continue
        if not in_scope[index] or not (item.image.caption or item.image.credit):
            continue
        position = 0
        if last_placed_src is not None:
            position = next(
                (i + 1 for i, b in enumerate(result) if b["type"] == "image" and b["src"] == last_placed_src),
                0,
            )
        result.insert(position, item.image.as_block())
        last_placed_src = item.image.src
    return result


def _drop_repeats(blocks: list[Block], title: str, lead: str) -> tuple[list[Block], str]:
    """Remove the title, the lead and image captions where the body repeats them."""
    title_key, lead_key = _key(title), _key(lead)
    captions = set()
    for b in blocks:
        if b["type"] == "image" and b.get("caption"):
            captions.add(_key(b["caption"]))
            captions.add(_key(f"{b['caption']} {b.get('credit', '')}"))
    kept: list[Block] = []
    for b in blocks:
        if b["type"] in ("paragraph", "heading"):
            key = _key(b["text"])
            if key and key in (title_key, lead_key) or key in captions or is_file_name(strip_tags(b["text"])):
                continue
            # A description cut short ("...") repeats the opening paragraph; keep the paragraph.
            if lead_key and lead.rstrip().endswith(("...", "…")) and key.startswith(lead_key) and not kept:
                lead = ""
        kept.append(b)
    return kept, lead


def _is_link_only(block: Block) -> bool:
    text = block.get("text", "")
    return bool(text) and not _key(re.sub(r"<a [^>]*>.*?</a>", "", text))


def _drop_furniture(blocks: list[Block]) -> list[Block]:
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
        kept.append(b)
    return kept


def _take_source_line(blocks: list[Block]) -> tuple[list[Block], str]:
    """Remove a closing "Nguồn: https://..." line and return the URL it names."""
    start = max(0, len(blocks) - TAIL_BLOCKS - 1)
    for i in range(len(blocks) - 1, start - 1, -1):
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


def _take_caps_byline(blocks: list[Block]) -> tuple[list[Block], str]:
    """Remove a closing all-caps name paragraph ("HÀ LINH") and return it as the author."""
    last = next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i]["type"] != "image"), None)
    if last is None or blocks[last]["type"] != "paragraph":
        return blocks, ""
    text = normalize_space(strip_tags(blocks[last]["text"]))
    if len(text) <= MAX_BYLINE_CHARS and text.isupper() and CAPS_BYLINE.match(text):
        return blocks[:last] + blocks[last + 1 :], text
    return blocks, ""
