"""The extract stage: one HTML page -> ``Extracted`` (title, lead, byline, dates, body blocks).

trafilatura finds the main text. Around it kabar adds what a newsroom needs
and a generic extractor does not keep: images paired with their captions and
credits (``extract_images``), the standfirst and furniture removed at DOM
level (``extract_dom``), outlet/byline/dates/section from the page's metadata
(``extract_meta``), and the newsroom clean-up of the resulting blocks
(``extract_blocks``): repeated title/lead/captions, bylines, "read also"
lines and teasers, the "Nguồn:/Sumber:/Source:" line that names the original
URL and the all-caps author name that closes many Vietnamese articles.

trafilatura runs twice: its precision mode decides where the story is, its
default mode fills paragraphs the precision mode skipped inside that span.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import trafilatura
from lxml.etree import Element, _Element
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata
from trafilatura.settings import Document, Extractor

from kabar.core.blocks import block_text, strip_tags
from kabar.core.errors import StageError
from kabar.core.extract.dates import states_day
from kabar.core.extract.extract_blocks import (
    drop_bylines,
    drop_furniture,
    drop_repeats,
    drop_trailing_teasers,
    take_caps_byline,
    take_source_paragraph,
)
from kabar.core.extract.extract_body import xml_to_blocks
from kabar.core.extract.extract_dom import (
    join_body_chunks,
    mark_article_body,
    remove_furniture,
    split_br_paragraphs,
    take_lead,
    take_source_line,
)
from kabar.core.extract.extract_images import PLACEHOLDER, LiftedImage, lift_images, text_key
from kabar.core.extract.extract_meta import (
    clean_author,
    json_ld_objects,
    merge_names,
    normalize_space,
    parse_machine_date,
    read_meta,
)
from kabar.core.extract.extract_nesting import (
    LIBXML2_MAX_DEPTH,
    MAX_MARKUP_DEPTH,
    flatten_deep_markup,
    tree_depth_reaches,
)
from kabar.core.extract.html_tree import load_html
from kabar.core.extract.pagetype import NotAnArticle, classify_page, skip_reason
from kabar.core.extract.provenance import take_provenance
from kabar.core.fetch.urls import http_url, is_http_url, same_site
from kabar.core.stage import check_size, run_with_timeout
from kabar.core.types import Block, Extracted

STAGE = "extract"

MAX_GAP_FILL = 1.5  # the default mode may add at most half again to the precise text
MIN_ARTICLE_CHARS = 40  # below this, what is left is page furniture ("Home", "Share")
# A hostile page must not flood the operator's flags: addresses are cut short, and few are named.
MAX_FLAG_VALUE_CHARS = 200
MAX_REFUSED_IMAGE_FLAGS = 5


LeadOrigin = Literal["page", "body", "meta", "none"]


class ExtractionError(StageError):
    """The page held no article kabar could extract."""

    stage = STAGE


@dataclass(frozen=True)
class ExtractionResult:
    """The extracted article and where its lead came from.

    ``lead_origin``: "page" — a standfirst element ("sapo"); "body" — the
    description repeated the opening paragraph, which was moved out of the body
    into the lead; "meta" — only the page's description; "none" — no lead.
    """

    extracted: Extracted
    lead_origin: LeadOrigin


def extract_html(
    html: str, *, url: str, timeout: float | None = 20.0, max_bytes: int = 5_000_000
) -> Extracted:
    """Extract the article in ``html`` (fetched from ``url``).

    Raises ``TooLarge`` past ``max_bytes`` (UTF-8), ``StageTimeout`` past
    ``timeout`` seconds (``None``: no limit here, the caller holds one), ``NotAnArticle`` for a
    home, section, tag, search or album page (see ``pagetype``) and ``ExtractionError``
    when no article text is found.
    """
    return extract_article(html, url=url, timeout=timeout, max_bytes=max_bytes).extracted


def extract_article(
    html: str, *, url: str, timeout: float | None = 20.0, max_bytes: int = 5_000_000
) -> ExtractionResult:
    """``extract_html`` that also tells where the lead came from (used by the benchmark)."""
    check_size(STAGE, len(html.encode("utf-8", "surrogatepass")), max_bytes)
    return run_with_timeout(STAGE, timeout, _extract, html, url)


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


def _extract(html: str, url: str) -> ExtractionResult:
    if not html.strip():
        raise ExtractionError("the document is empty")
    tree, nesting_flags = _parse(html)
    # Home, section, tag and search pages are refused before anything is taken from them.
    # The JSON-LD is parsed once, before the furniture goes (isBasedOn may sit in any script): the
    # page type, the metadata and the provenance read it (none of them changes it).
    json_ld_warnings: list[str] = []
    basis = json_ld_objects(tree, json_ld_warnings)
    verdict = classify_page(tree, url, json_ld=basis)
    if not verdict.is_article:
        raise NotAnArticle(skip_reason(verdict))
    meta = read_meta(tree, url, json_ld=(basis, json_ld_warnings))
    remove_furniture(tree)
    dom_source_url = take_source_line(tree)
    refused_images: list[str] = []
    warnings = list(meta.warnings)
    lifted = lift_images(tree, url, refused=refused_images, warnings=warnings)
    scope = _article_scope(tree)
    lifted_in_scope = [_in_scope(item.anchor, scope) for item in lifted]
    page_lead, lead_was_opening = take_lead(tree)
    split_br_paragraphs(tree)
    join_body_chunks(tree)
    mark_article_body(tree)

    precise = _run_trafilatura(tree, url, favor_precision=True, with_metadata=False)
    if precise is None or precise.body is None:
        raise ExtractionError("no article text found")
    body = _fill_gaps(precise.body, _run_trafilatura(tree, url, favor_precision=False, with_metadata=False))
    # trafilatura's reading of the page's metadata: kabar's own (``meta``) fills every field on
    # about half the pages, so it is read only for a field left empty. The tree is as the precision
    # run saw it (the runs work on copies; nothing below changes it).
    fallback = _TrafilaturaMetadata(tree, url)

    placed: set[int] = set()
    blocks = xml_to_blocks(body, _image_lookup(lifted, placed))
    blocks = _add_unplaced_images(blocks, lifted, placed, lifted_in_scope)

    title = meta.title or normalize_space(fallback.document.title or "")
    lead = page_lead or meta.description or normalize_space(fallback.document.description or "")
    blocks, lead, lead_in_body = drop_repeats(blocks, title, lead, lead_from_meta=not page_lead)
    origin: LeadOrigin = "none"
    if lead:
        origin = "body" if lead_in_body or lead_was_opening else "page" if page_lead else "meta"
    blocks = drop_furniture(blocks)
    blocks = drop_bylines(blocks, meta.authors)
    blocks, source_url = take_source_paragraph(blocks)
    blocks, provenance = take_provenance(  # "Theo TTXVN", canonical elsewhere, JSON-LD isBasedOn
        blocks, url, source_lines=(source_url, dom_source_url), canonical=meta.canonical, json_ld=basis
    )
    blocks = drop_trailing_teasers(blocks)
    blocks, closing_author = take_caps_byline(blocks)
    if sum(len(t) for b in blocks if b["type"] != "image" for t in block_text(b)) < MIN_ARTICLE_CHARS:
        raise ExtractionError("no article text found")

    authors = meta.authors or [
        n for a in (fallback.document.author or "").split(";") for n in clean_author(a)
    ]
    published, date_flags = meta.published, list[str]()
    if published is None and fallback.document.date:
        published, date_flags = _extractor_date(fallback.document.date, page=f"{url} {html}")
    identity, flags = source_identity(
        url, source_lines=(source_url, dom_source_url), canonical=meta.canonical
    )
    flags += nesting_flags + date_flags
    flags += _refused_image_flags(refused_images)
    flags += warning_flags(warnings)
    extracted = Extracted(
        url=url,
        title=title,
        lead=lead,
        blocks=blocks,
        source_url=identity,
        outlet=meta.outlet or normalize_space(fallback.document.sitename or ""),
        authors=_with_closing_author(authors, closing_author),
        published=published,
        updated=meta.updated,
        section=meta.section or next(iter(fallback.document.categories or []), ""),
        language=meta.language,
        flags=flags,
        provenance=provenance,
    )
    return ExtractionResult(extracted, origin)


def _extractor_date(value: str, *, page: str) -> tuple[dt.datetime | None, list[str]]:
    """trafilatura's date (found by htmldate) for a page kabar read no date from, unless it is a guess.

    htmldate reads what it can of a broken value and fills in the rest: "2024-02-30"
    becomes 1 February, "2024-13-45T99:99" or a bare year 1 January, an address
    with /2024/02/ the first of that month. A newsroom would rather have no date
    (the store then uses the time the article was found) than an invented one,
    so a first of the month is kept only where the page writes that day out.
    """
    found = parse_machine_date(value)
    if found is None or found.day != 1 or states_day(found.date(), page):
        return found, []
    return None, [
        f"ignored a guessed publication date ({found.date().isoformat()}): the page does not state it"
    ]


def _parse(html: str) -> tuple[HtmlElement, list[str]]:
    """The page's tree, with markup nested past ``MAX_MARKUP_DEPTH`` flattened (and a flag saying so).

    libxml2 stops reading at 256 levels and drops the rest of the page; see ``extract_nesting``.
    """
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("not an HTML document")
    if not tree_depth_reaches(tree, MAX_MARKUP_DEPTH + 1):
        return tree, []
    flat, removed = flatten_deep_markup(html)
    tree = load_html(flat) if removed else tree
    if tree is None:
        raise ExtractionError("not an HTML document")
    if tree_depth_reaches(tree, LIBXML2_MAX_DEPTH):
        # The scan misjudged how the parser nests this page: what libxml2 kept is cut short.
        raise ExtractionError(
            f"markup nested {LIBXML2_MAX_DEPTH} levels deep, past what the HTML parser reads, "
            "could not be flattened"
        )
    flag = (
        f"flattened markup nested deeper than {MAX_MARKUP_DEPTH} levels ({removed} tags removed, text kept)"
    )
    return tree, [flag] if removed else []


def source_identity(url: str, *, source_lines: Iterable[str], canonical: str) -> tuple[str, list[str]]:
    """``(source_url, flags)``: the address the article is known by, and why a declared one was refused.

    The "Nguồn:/Sumber:" line names the original outlet on purpose (the page
    republishes it), so it may point anywhere on the web, but only to an
    http(s) address: it is shown as a link. The canonical link is the page
    speaking for itself: trusted only on the page's own site (see
    ``kabar.core.fetch.urls.same_site``), since otherwise any page could claim to
    be, and so overwrite, another outlet's article. A page that is not on the
    web (a saved file) is the operator's own and keeps its http(s) canonical,
    as the file source already does. Anything refused falls back to ``url``.
    """
    flags: list[str] = []
    for line in filter(None, source_lines):
        if is_http_url(line):
            return line.strip(), flags
        flags.append(f"source line not http(s): {_shorten(line)}")
    if canonical:
        if not is_http_url(canonical):
            flags.append(f"canonical not http(s): {_shorten(canonical)}")
        elif is_http_url(url) and not same_site(url, canonical):
            flags.append(f"canonical on other host: {_shorten(canonical)}")
        else:
            return http_url(canonical), flags
    return url, flags


def warning_flags(warnings: list[str]) -> list[str]:
    """Each distinct warning once, with how often it came up: a hostile page repeats one a thousand times."""
    counts = Counter(warnings)
    return [f"{text} ({count} times)" if count > 1 else text for text, count in counts.items()]


def _refused_image_flags(refused: list[str]) -> list[str]:
    distinct = list(dict.fromkeys(refused))
    flags = [f"image address refused: {_shorten(src)}" for src in distinct[:MAX_REFUSED_IMAGE_FLAGS]]
    if len(distinct) > MAX_REFUSED_IMAGE_FLAGS:
        flags.append(f"image address refused: {len(distinct) - MAX_REFUSED_IMAGE_FLAGS} more")
    return flags


def _shorten(value: str) -> str:
    value = value.strip()
    return value if len(value) <= MAX_FLAG_VALUE_CHARS else value[: MAX_FLAG_VALUE_CHARS - 1] + "…"


class _TrafilaturaMetadata:
    """``trafilatura.extract_metadata`` of ``tree``, read on first use (``document``).

    The same call, with the same options, that ``bare_extraction(..., with_metadata=True,
    favor_precision=True)`` makes before extracting (it only reads the tree). That was
    a tenth of the extract stage's time, spent whether kabar needed it or not.
    """

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self._tree, self._url = tree, url

    @functools.cached_property
    def document(self) -> Document:
        options = Extractor(url=self._url, precision=True, with_metadata=True)
        return extract_metadata(
            self._tree, options.url, options.date_params, options.fast, options.author_blacklist
        )


def _run_trafilatura(
    tree: HtmlElement, url: str, *, favor_precision: bool, with_metadata: bool
) -> Document | None:
    # trafilatura works on its own copy of the tree, so the two runs do not disturb each other.
    found = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        include_images=True,
        include_formatting=True,
        include_links=True,
        with_metadata=with_metadata,
        favor_precision=favor_precision,
        # The default mode only fills gaps inside the span the precision mode found: its
        # fallback extractors (readability, jusText: a third of its time) would not change that span.
        fast=not favor_precision,
        output_format="xml",  # kabar reads the body tree: no plain-text copy of it (7% of the run)
    )
    return found if isinstance(found, Document) else None


_WORD = re.compile(r"\w+")


def _element_key(el: _Element) -> str:
    return " ".join(_WORD.findall("".join(el.itertext()).casefold()))


def _fill_gaps(precise: _Element, broad: Document | None) -> _Element:
    """trafilatura's precision-mode body, with what its default mode found between its ends.

    Precision mode rarely takes furniture but now and then skips a real
    paragraph in mid-article; the default mode keeps those, and also the
    headers, footers and teasers around the story. The span from the first to
    the last element both modes agree on is the story, so the default mode's
    elements inside that span are taken.
    """
    if broad is None or broad.body is None:
        return precise
    broad_keys = [_element_key(el) for el in broad.body]
    precise_keys = {k for k in (_element_key(el) for el in precise) if k}
    shared = [i for i, key in enumerate(broad_keys) if key and key in precise_keys]
    if not shared:
        return precise
    span = list(broad.body)[shared[0] : shared[-1] + 1]
    precise_size = sum(len(k) for k in precise_keys)
    span_size = sum(len(k) for k in broad_keys[shared[0] : shared[-1] + 1])
    # The modes disagree on what the story is (different containers): keep the precise one.
    if not precise_size <= span_size <= MAX_GAP_FILL * precise_size:
        return precise
    merged = Element("body")
    merged.extend(span)
    return merged


def _with_closing_author(authors: list[str], closing: str) -> list[str]:
    """The all-caps closing name leads the byline, unless the page already names that person."""
    if not closing or any(a.casefold() == closing.casefold() for a in authors):
        return authors
    return merge_names([closing], authors)


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


def _block_keys(block: Block) -> list[str]:
    return [text_key(strip_tags(t)) for t in (block.get("items") or [block.get("text", "")])]


def _add_unplaced_images(
    blocks: list[Block], lifted: list[LiftedImage], placed: set[int], in_scope: list[bool]
) -> list[Block]:
    """Put back the images the extractor left out, beside the text they stood next to.

    An image goes before the block that followed it on the page, else after
    the block that preceded it. A captioned image of the article whose
    neighbours did not make it into the body (a hero image above the text)
    goes first.
    """
    result = list(blocks)
    if len(placed) >= len(lifted):  # every image is in the body already
        return result
    # The text keys of ``result``'s blocks, kept in step with it (an image inserted has none),
    # rather than recomputed for every image.
    keys = [_block_keys(b) if b["type"] != "image" else [] for b in result]
    put_back: set[int] = set()  # ids of the blocks this loop inserted, all earlier on the page
    for index, item in enumerate(lifted):
        if index in placed:
            continue
        after = next((i for i, k in enumerate(keys) if item.text_after and item.text_after in k), None)
        before = next(
            (i for i, k in reversed(list(enumerate(keys))) if item.text_before and item.text_before in k),
            None,
        )
        block = item.image.as_block()
        if after is not None:
            position = after
        elif before is not None:
            # Images already put back after the same block came earlier on the page: go past them.
            position = before + 1
            while position < len(result) and id(result[position]) in put_back:
                position += 1
        elif in_scope[index] and (item.image.caption or item.image.credit):
            position = next((i for i, b in enumerate(result) if b["type"] != "image"), len(result))
        else:
            continue
        result.insert(position, block)
        keys.insert(position, [])
        put_back.add(id(block))
    return result
