"""Is this page an article? The page-type stage, run on the parsed page before extraction.

A sitemap or a feed lists home pages, section fronts, tag and search pages and
photo albums beside articles. A generic extractor finds "main text" on all of
them (the teaser summaries of a section front read like a short article), and
the newsroom would then publish an outlet's home page as a story. So every page
is judged first, the way an editor glances at it:

* what the page declares: ``og:type`` and the JSON-LD ``@type`` (``NewsArticle``
  against ``CollectionPage``, ``SearchResultsPage``, ``ImageGallery``). A
  declaration is strong evidence but not proof: some CMSs stamp ``og:type
  article`` on every template, and many articles say ``website``;
* how it is built: an article has a run of prose paragraphs in one container;
  a listing is a set of repeated teaser blocks (a linked headline, a picture,
  one or two lines), and most of its text sits inside links;
* its address, as weak evidence only: ``/``, ``/tag/…``, ``/search?q=`` and
  ``/page/2`` are listings, a long slug or a numeric id is an article.

The verdict names its kind and the evidence, so an operator reading "skipped"
in the admin sees why. Nothing here changes the tree.
"""

from __future__ import annotations

import copy
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement

from kabar.core.errors import StageError
from kabar.core.extract.extract_meta import (
    ARTICLE_TYPES,
    json_ld_objects,
    meta_tags,
    normalize_space,
    short_text,
)

STAGE = "pagetype"
_DIGIT = re.compile(r"\d")

PageKind = Literal["article", "home", "section", "tag", "search", "gallery"]

LISTING_TYPES = frozenset(
    {"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage", "ImageGallery", "MediaGallery"}
)
GALLERY_TYPES = frozenset({"ImageGallery", "MediaGallery"})
# Parts of the page that are never the story, whatever the page is.
CHROME_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template")
PROSE_MIN_CHARS = 80  # a paragraph of prose, not a teaser line or a caption
TEASER_MAX_CHARS = 600  # a teaser is a headline and a line or two
TEASER_LINK_MIN_CHARS = 15  # a teaser's link is a headline, not "more"
MIN_TEASER_GROUP = 4  # fewer repeated blocks are a "related" box under an article
LINK_HEAVY = 0.5
LINKS_SOME = 0.3
TAG_PATH = re.compile(r"/(?:tag|tags|topic|topics|chu-de|tu-khoa|label|labels|keyword|keywords)(?:/|$)", re.I)
SEARCH_PATH = re.compile(r"/(?:search|tim-kiem|timkiem|cari|pencarian)(?:/|$|\.)", re.I)
SEARCH_QUERY = frozenset({"q", "s", "query", "keyword", "keywords", "search", "tu-khoa", "cari"})
PAGE_PATH = re.compile(r"/page/\d+/?$|[?&]page=\d+", re.I)
GALLERY_PATH = re.compile(r"/(?:gallery|galleries|photos?|anh|foto|album|albums)/?$", re.I)
INDEX_FILE = re.compile(r"/(?:index|default|home)\.(?:html?|php|aspx?)$", re.I)
# A last segment like "bao-so-12-do-bo-cua-lach.html", "a-story-about-x-123456" or "2025/11/05/slug".
ARTICLE_SLUG = re.compile(r"(?:[^/]*-){3,}[^/]*$|\d{5,}|/\d{4}/\d{1,2}/(?:\d{1,2}/)?[^/]+", re.I)


class NotAnArticle(StageError):
    """The page is a listing (home, section, tag, search) or a photo album, not an article."""

    stage = STAGE


@dataclass(frozen=True)
class PageFeatures:
    """What the verdict is drawn from, kept so that tests and the admin can see it."""

    declared: str  # "article", "listing", "website" or "" (nothing declared)
    declared_kind: PageKind | None  # a listing the JSON-LD names precisely (search, gallery)
    prose_paragraphs: int  # paragraphs of prose (not in links, not in teasers) in the best container
    prose_chars: int
    teasers: int  # blocks in the largest group of repeated teasers
    link_share: float  # share of the page's visible text that sits inside links
    images: int
    url_kind: PageKind | None  # what the address alone suggests ("article" for a long slug)


@dataclass(frozen=True)
class PageVerdict:
    """``kind`` and the evidence, in words an operator reads."""

    kind: PageKind
    reason: str
    features: PageFeatures
    evidence: tuple[str, ...] = field(default=())

    @property
    def is_article(self) -> bool:
        return self.kind == "article"


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(t).rsplit("/", 1)[-1] for t in values if isinstance(t, str)}


def _declared(tree: HtmlElement, objects: list[dict[str, Any]] | None) -> tuple[str, PageKind | None]:
    objects = json_ld_objects(tree) if objects is None else objects
    types: set[str] = set()
    for obj in objects:
        # A listing's JSON-LD often lists its articles (ItemList of NewsArticle): only the page's own
        # objects count, not those nested as items.
        types |= _types(obj)
        main = obj.get("mainEntity")
        if isinstance(main, dict):
            types |= _types(main)
    listing = types & LISTING_TYPES
    if types & ARTICLE_TYPES and not listing:
        return "article", None
    if listing:
        if "SearchResultsPage" in listing:
            return "listing", "search"
        if listing & GALLERY_TYPES and not types & ARTICLE_TYPES:
            return "listing", "gallery"
        if types & ARTICLE_TYPES and listing <= {"ItemList"}:
            return "article", None  # an article with a list inside (a "top 10")
        return "listing", None
    og_type = meta_tags(tree).get("og:type", "").casefold()
    if og_type in {"article", "news", "newsarticle", "blog", "blogposting"} or og_type.startswith("article"):
        return "article", None
    if og_type in {"website", "profile", "blog.index"}:
        return "website", None
    return "", None


def _url_kind(url: str) -> PageKind | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = parts.path or "/"
    query = parse_qs(parts.query)
    if SEARCH_PATH.search(path) or (SEARCH_QUERY & set(query) and path.rstrip("/").count("/") <= 1):
        return "search"
    if TAG_PATH.search(path):
        return "tag"
    if PAGE_PATH.search(path + ("?" + parts.query if parts.query else "")):
        return "section"
    if parts.scheme in {"http", "https"} and (
        path in {"", "/"} or INDEX_FILE.search(path) and path.count("/") == 1
    ):
        return "home"
    if GALLERY_PATH.search(path):
        return "gallery"
    if ARTICLE_SLUG.search(path.rstrip("/")):
        return "article"
    if INDEX_FILE.search(path):
        return "section"
    return None


def _text_len(el: HtmlElement) -> int:
    return len(normalize_space(el.text_content()))


def _link_chars(el: HtmlElement) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def _signature(el: HtmlElement) -> tuple[str, str]:
    classes = el.get("class") or ""
    return str(el.tag), _short_class_signature(classes) if len(classes) <= 200 else _class_signature(classes)


def _class_signature(classes: str) -> str:
    return " ".join(sorted(c for c in classes.split() if not _DIGIT.search(c)))


# Memoized (a pure function): a page repeats a handful of class strings on thousands of elements.
_short_class_signature = functools.lru_cache(maxsize=1024)(_class_signature)


def _is_teaser(el: HtmlElement) -> bool:
    """A block with a headline link and little else: a listing's unit."""
    text = short_text(el.text_content(), TEASER_MAX_CHARS)
    if not text:
        return False
    return any(_text_len(a) >= TEASER_LINK_MIN_CHARS for a in el.iter("a"))


def _teaser_blocks(body: HtmlElement) -> tuple[int, set[HtmlElement]]:
    """The size of the largest group of sibling teasers of one kind, and all teaser elements' ids.

    Teasers of one listing share a parent and a tag and class; a section front
    often splits them into several boxes, so groups of the same signature
    anywhere on the page are added up.
    """
    by_signature: Counter[tuple[str, str]] = Counter()
    # Elements themselves, not id(): lxml makes a new proxy (and maybe a reused id) for a node not held.
    teaser_ids: set[HtmlElement] = set()
    for parent in body.iter():
        if not isinstance(parent.tag, str):
            continue
        children = [c for c in parent if isinstance(c.tag, str)]
        if len(children) < 2:
            continue
        groups: dict[tuple[str, str], list[HtmlElement]] = {}
        for child in children:
            groups.setdefault(_signature(child), []).append(child)
        for signature, members in groups.items():
            if len(members) < 2:  # a group needs two teasers: a lone element is never judged
                continue
            teasers = [m for m in members if _is_teaser(m)]
            if len(teasers) >= 2 and len(teasers) >= 0.6 * len(members):
                by_signature[signature] += len(teasers)
                teaser_ids.update(teasers)
    largest = max(by_signature.values(), default=0)
    return largest, teaser_ids


def _inside(el: HtmlElement, elements: set[HtmlElement]) -> bool:
    return el in elements or any(a in elements for a in el.iterancestors())


INLINE_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "big",
        "cite",
        "code",
        "del",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "label",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "br",
        "wbr",
    }
)


def _inline_text(el: HtmlElement, in_link: bool) -> str:
    """Text of an inline element, less what sits in links; ``in_link``: its parent is inside an ``<a>``."""
    if el.tag == "a" or in_link:
        return ""
    if not len(el):  # no child, so its only text node is its own (the XPath's answer, without it)
        return el.text or ""
    return "".join(el.xpath(".//text()[not(ancestor-or-self::a)]"))


def _segments(el: HtmlElement) -> list[int]:
    """Lengths of the runs of text written directly in ``el``, cut at blocks and ``<br>``.

    Each text counts once, in its nearest block: the ``<p>`` of a modern page, the
    ``<div>`` or ``<td>`` with ``<br>``-separated paragraphs of an old one.
    """
    # Called on every block element of the page: the run is cut inline, not by a closure.
    runs: list[int] = []
    current = [el.text or ""]
    in_link: bool | None = None  # whether el sits inside a link: asked once, when an inline child needs it
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag and tag not in INLINE_TAGS or tag == "br":
            size = len(normalize_space("".join(current)))
            if size:
                runs.append(size)
            current = []
        elif tag:
            if in_link is None:
                in_link = next(el.iterancestors("a"), None) is not None
            current.append(_inline_text(child, in_link))
        current.append(child.tail or "")
    size = len(normalize_space("".join(current)))
    if size:
        runs.append(size)
    return runs


def _prose(body: HtmlElement, teaser_ids: set[HtmlElement]) -> tuple[int, int]:
    """``(paragraphs, chars)`` of prose in the container that holds the most of it.

    Prose is a run of at least ``PROSE_MIN_CHARS`` characters of text outside
    links and outside teasers. The story's paragraphs share a container; a
    listing's summary lines do not (each sits in its own teaser).
    """
    per_container: dict[HtmlElement, list[int]] = {}
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in INLINE_TAGS:
            continue
        runs = [n for n in _segments(el) if n >= PROSE_MIN_CHARS]
        if not runs or _inside(el, teaser_ids):
            continue
        key = el
        if el.tag in ("p", "blockquote", "li", "h2", "h3", "h4", "pre") or len(runs) == 1:
            parent = el.getparent()
            key = parent if parent is not None else el
            # Paragraphs of one story may sit in wrappers of their own (one <div> per paragraph).
            if len(key) == 1 and key.getparent() is not None:
                key = key.getparent()
        per_container.setdefault(key, []).extend(runs)
    if not per_container:
        return 0, 0
    best = max(per_container.values(), key=sum)
    return len(best), sum(best)


def page_features(
    tree: HtmlElement, url: str, *, json_ld: list[dict[str, Any]] | None = None
) -> PageFeatures:
    """Measure ``tree`` (not changed: the measures run on a copy without the page's chrome)."""
    declared, declared_kind = _declared(tree, json_ld)
    body = tree.find(".//body")
    body = tree if body is None else body
    content: HtmlElement = copy.deepcopy(body)
    for el in list(content.iter(*CHROME_TAGS)):
        # An <article>'s own header holds its headline (a teaser's link): only the page's header goes.
        inner = el.tag in ("header", "footer") and any(a.tag == "article" for a in el.iterancestors())
        if el.getparent() is not None and not inner:
            el.drop_tree()
    teasers, teaser_ids = _teaser_blocks(content)
    paragraphs, chars = _prose(content, teaser_ids)
    total = _text_len(content)
    return PageFeatures(
        declared=declared,
        declared_kind=declared_kind,
        prose_paragraphs=paragraphs,
        prose_chars=chars,
        teasers=teasers,
        link_share=round(_link_chars(content) / total, 3) if total else 0.0,
        images=sum(1 for _ in content.iter("img", "amp-img")),
        url_kind=_url_kind(url),
    )


# An article: a story of at least this much prose in one place.
STORY_CHARS = 400
STORY_PARAGRAPHS = 2
SHORT_STORY_CHARS = 150  # a declared article may be a short brief or a photo story
SLUG_STORY_CHARS = 300  # prose outside teasers, at an article's address, is a brief among links


def _listing_kind(f: PageFeatures) -> PageKind:
    if f.declared_kind:
        return f.declared_kind
    if f.url_kind and f.url_kind != "article":
        return f.url_kind
    return "section"


def classify(features: PageFeatures) -> PageVerdict:
    """The verdict for measured ``features`` (a pure function: the thresholds are the policy)."""
    f = features
    evidence = [
        f"declared {f.declared or 'nothing'}",
        f"{f.prose_paragraphs} prose paragraphs ({f.prose_chars} chars)",
        f"{f.teasers} repeated teasers",
        f"{round(100 * f.link_share)}% of text in links",
    ]
    if f.url_kind:
        evidence.append(f"address looks like {'an' if f.url_kind == 'article' else 'a'} {f.url_kind} page")
    story = f.prose_chars >= STORY_CHARS and f.prose_paragraphs >= STORY_PARAGRAPHS
    # Teasers outweigh the prose: a section front whose summaries are long, or a "latest news" page.
    listing_shape = f.teasers >= MIN_TEASER_GROUP and f.prose_chars < 60 * f.teasers
    link_heavy = f.link_share >= LINK_HEAVY

    def verdict(kind: PageKind, why: str) -> PageVerdict:
        return PageVerdict(kind, why, f, tuple(evidence))

    if f.declared == "article":
        # Some CMSs stamp og:type article on every template: only a page of teasers *and* links, with no
        # text of its own, overrules the declaration (a results table or a photo story keeps it).
        if f.prose_chars >= SHORT_STORY_CHARS or not (listing_shape and link_heavy):
            return verdict("article", "the page declares an article and has its text")
        return verdict(_listing_kind(f), "declares an article but holds only teasers and links")
    if f.declared == "listing":
        if story and not listing_shape and f.declared_kind != "search":
            return verdict("article", "declares a listing but holds a story")
        return verdict(_listing_kind(f), "the page declares a listing")
    if f.url_kind in {"search", "tag"} and not (story and f.prose_chars >= 3 * STORY_CHARS):
        return verdict(f.url_kind, f"a {f.url_kind} page by its address, without a story")
    if story and not listing_shape:
        return verdict("article", "a story's paragraphs in one place")
    if f.url_kind == "article" and f.prose_chars >= SLUG_STORY_CHARS:
        return verdict("article", "a short story at an article's address, amid links")
    if listing_shape or link_heavy:
        return verdict(_listing_kind(f), "repeated teasers and links, no story")
    if f.declared == "website" and not story:
        return verdict(_listing_kind(f), "declares a website page and has no story")
    if f.images >= 4 and f.prose_chars < SHORT_STORY_CHARS:
        return verdict("gallery", "pictures without a story")
    if f.url_kind == "article" and f.prose_chars >= SHORT_STORY_CHARS:
        return verdict("article", "a short story at an article's address")
    # The address alone is weak evidence: it decides only for a page that has some listing about it.
    if f.url_kind in {"home", "section", "gallery"} and (f.teasers >= 2 or f.link_share >= LINKS_SOME):
        return verdict(f.url_kind, f"no story, and a {f.url_kind} page's address")
    # Undecided: let the extractor try; it refuses a page with no text of its own.
    return verdict("article", "no listing found")


def classify_page(tree: HtmlElement, url: str, *, json_ld: list[dict[str, Any]] | None = None) -> PageVerdict:
    """The page type of ``tree`` fetched from ``url``; ``json_ld`` when the caller parsed it already."""
    return classify(page_features(tree, url, json_ld=json_ld))


def skip_reason(verdict: PageVerdict) -> str:
    """The reason an operator reads for a page that is not an article."""
    return f"not an article: {verdict.kind} page — {verdict.reason} ({'; '.join(verdict.evidence)})"
