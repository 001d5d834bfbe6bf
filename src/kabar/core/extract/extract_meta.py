"""Article metadata from an HTML page: JSON-LD, OpenGraph, meta tags and visible markup.

Publishers describe the same article several times over (JSON-LD for search
engines, OpenGraph for social cards, plain meta tags, visible bylines and
dates). Each field is read from the most deliberate of these first, because
JSON-LD and OpenGraph are written for machines and rarely carry page chrome.
Nothing here changes the tree.

Pages are untrusted: a part that cannot be read (JSON-LD nested thousands
deep or not JSON at all, a date in year 99999, a canonical link that is not
an address) is left out and named in ``PageMeta.warnings``, so that one bad
part never costs the whole article.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from kabar.core.extract.dates import DEFAULT_TZ, MAX_YEAR, MIN_YEAR, parse_local_date

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNews",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SocialMediaPosting",
        "TechArticle",
        "Report",
    }
)

# Classes of elements that print the byline or the publication date on the page.
BYLINE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:author|authors|byline|author-name|writer|reporter|tac-?gia|penulis)(?:$|[\s_-])", re.I
)
DATE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:date|time|datetime|publish|published|pubdate|posted|timestamp|ngay-?dang)(?:$|[\s_-])",
    re.I,
)
BREADCRUMB_CLASS = re.compile(r"breadcrumb", re.I)
BYLINE_PREFIX = re.compile(
    r"^\s*(?:by|oleh|bởi|tác giả|penulis|reporter|wartawan|editor|written by|laporan|"
    r"(?:bài|ảnh|bài và ảnh|bài, ảnh|bài & ảnh|thực hiện|nhóm phóng viên)\s*:)\s*:?\s+",
    re.I,
)
AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|\bdan\b|\bvà\b)\s*", re.I)
# "Penulis: A, B | Editor: C": the parts of a byline line that name someone who did not write it.
NOT_WRITER_LABEL = re.compile(
    r"^\s*(?:editor|edited by|penyunting|redaktur|biên tập|biên tập viên|btv|photo|foto|ảnh|video|"
    r"đồ họa|grafis|graphics?)\s*:",
    re.I,
)
# What follows a name after a comma when it is the person's role or desk, not a second author:
# "MARCUS DELANE, AP Auto Writer", "Jane Roe, Staff Reporter", "Budi, Kontributor Jayapura".
ROLE = re.compile(
    r"\b(?:writer|correspondent|reporter|editor|staff|columnist|contributor|photographer|producer|"
    r"analyst|intern|bureau chief|associated press|wartawan|kontributor|koresponden|jurnalis|"
    r"phóng viên|biên tập viên|cộng tác viên|thông tấn xã)\b",
    re.I,
)
MAX_ROLE_WORDS = 6
HOME_CRUMBS = frozenset({"home", "trang chủ", "beranda", "homepage", "index", "news", "tin tức", "berita"})
MAX_NAME_CHARS = 80
# Real JSON-LD nests a handful of levels (graph -> article -> author -> address); deeper is an attack
# on the parser (Python's json recurses per level), so it is refused before json.loads sees it.
MAX_JSON_LD_DEPTH = 32
MAX_JSON_LD_CHARS = 1_000_000
MAX_JSON_LD_OBJECTS = 1_000
MAX_TIME_ELEMENTS = 20  # <time> elements, and date-classed elements, tried for the publication date
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")

WARN_JSON_LD_DEEP = "ignored JSON-LD: nested too deep"
WARN_JSON_LD_LARGE = "ignored JSON-LD: script too large"
WARN_JSON_LD_INVALID = "ignored JSON-LD: not valid JSON"
WARN_JSON_LD_MANY = "ignored JSON-LD objects past the first 1000"
WARN_CANONICAL = "ignored the canonical link: not a valid address"
WARN_PUBLISHED = "ignored a publication date that could not be read or is out of range"
WARN_UPDATED = "ignored an update date that could not be read or is out of range"


@dataclass
class PageMeta:
    """What the page says about its article, before the body is looked at."""

    title: str = ""
    description: str = ""
    outlet: str = ""
    authors: list[str] = field(default_factory=list)
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    section: str = ""
    language: str | None = None
    canonical: str = ""
    warnings: list[str] = field(default_factory=list)  # parts left out, for the article's flags


def normalize_space(text: str) -> str:
    # str.split() splits on exactly what the regex \s matches (no-break space included), 5x faster;
    # extraction calls this on the text of nearly every element of a page.
    return " ".join(text.split())


def short_text(text: str, limit: int) -> str | None:
    """``normalize_space(text)`` when it is at most ``limit`` characters long, else ``None``.

    A long text is judged by its opening: the normalized opening is a prefix of the
    normalized whole, so once it is past ``limit`` the whole is too, and the page's
    large containers are not normalized in full only to be found too long.
    """
    if len(text) > 4 * limit and len(normalize_space(text[: 4 * limit])) > limit:
        return None
    text = normalize_space(text)
    return text if len(text) <= limit else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(obj: dict[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1] for t in _as_list(obj.get("@type"))}


def _string(value: Any) -> str:
    """``value`` when the page gave a string there; anything else (an object, a number) is not one."""
    return value if isinstance(value, str) else ""


def _walk_json_ld(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document, flattening lists and ``@graph``.

    Recursion is safe: the document passed ``json_depth`` before it was parsed.
    """
    if isinstance(value, list):
        for item in value:
            yield from _walk_json_ld(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _walk_json_ld(value["@graph"])


def json_depth(text: str) -> int:
    """How deep ``[``/``{`` nest in a JSON text, found without parsing it (brackets in strings do not count)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse_json_ld(text: str) -> tuple[Any, str]:
    """``(data, "")``, or ``(None, warning)`` for a script that is refused or is not JSON."""
    text = text.strip().rstrip(";")
    if len(text) > MAX_JSON_LD_CHARS:
        return None, WARN_JSON_LD_LARGE
    if json_depth(text) > MAX_JSON_LD_DEPTH:
        return None, WARN_JSON_LD_DEEP
    try:
        # Some CMSs leave raw newlines inside JSON strings; strict=False accepts them.
        return json.loads(text, strict=False), ""
    except ValueError:  # also a number past Python's 4300-digit limit
        return None, WARN_JSON_LD_INVALID


def json_ld_objects(tree: HtmlElement, warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """The JSON-LD objects on the page; scripts left out are named in ``warnings`` when given."""
    objects: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script[@type]"):
        if script.get("type", "").strip().lower() != "application/ld+json" or not script.text:
            continue
        data, warning = _parse_json_ld(script.text)
        if warning:
            if warnings is not None:
                warnings.append(warning)
            continue
        objects.extend(_walk_json_ld(data))
    if len(objects) > MAX_JSON_LD_OBJECTS:
        if warnings is not None:
            warnings.append(WARN_JSON_LD_MANY)
        del objects[MAX_JSON_LD_OBJECTS:]
    return objects


def meta_tags(tree: HtmlElement) -> dict[str, str]:
    """``name``/``property``/``itemprop`` (lower-cased) -> first non-empty ``content``."""
    found: dict[str, str] = {}
    for meta in tree.iterfind(".//meta"):
        content = normalize_space(meta.get("content") or "")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content
    return found


def _name_of(value: Any) -> list[str]:
    """Names in a JSON-LD author/publisher value (string, object or list of either)."""
    names: list[str] = []
    for item in _as_list(value):
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
    return [normalize_space(n) for n in names if normalize_space(n)]


def parse_machine_date(value: str) -> dt.datetime | None:
    """An ISO 8601 date from metadata, made tz-aware the way ``kabar.core.extract.dates`` does.

    ``None`` when unreadable or outside ``MIN_YEAR``..``MAX_YEAR``: a page
    claiming year 9999 (which its time zone can push past what ``datetime``
    holds once stored as UTC) is wrong, not news from the future.
    """
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return parse_local_date(value)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=DEFAULT_TZ)


def _first_date(values: Iterable[str], warnings: list[str], warning: str) -> dt.datetime | None:
    """The first of ``values`` that reads as a date; a warning when some were given and none read."""
    given = False
    for value in values:
        if value.strip():
            given = True
            parsed = parse_machine_date(value)
            if parsed:
                return parsed
    if given:
        warnings.append(warning)
    return None


def _is_role(part: str) -> bool:
    return len(part.split()) <= MAX_ROLE_WORDS and bool(ROLE.search(part))


def clean_author(name: str) -> list[str]:
    """Split a byline into names, dropping "By", URLs, roles and sentence-length noise.

    "A, B and C" are three authors; "NAME, AP Auto Writer" is one author and
    their role (the role is not a name); "Penulis: A, B | Editor: C" names two
    writers and an editor, who is not one.
    """
    segments = [
        seg for seg in re.split(r"\s+\|\s+", normalize_space(name)) if not NOT_WRITER_LABEL.match(seg)
    ]
    names: list[str] = []
    for segment in segments:
        segment = BYLINE_PREFIX.sub("", segment)
        if not segment or segment.startswith(("http://", "https://", "/")) or "@" in segment:
            continue
        parts = [p.strip(" .-–—|") for p in AUTHOR_SEPARATORS.split(segment)]
        parts = [p for p in parts if p and len(p) <= MAX_NAME_CHARS and not p.isdigit()]
        people = [p for p in parts if not _is_role(p)]
        names.extend(people if people else parts)
    return names


def merge_names(*groups: Iterable[str]) -> list[str]:
    """Names in order of first appearance, case-insensitively unique."""
    seen: set[str] = set()
    merged: list[str] = []
    for group in groups:
        for name in group:
            key = name.casefold()
            if key not in seen:
                seen.add(key)
                merged.append(name)
    return merged


def _first_text(tree: HtmlElement, xpath: str) -> str:
    for el in tree.xpath(xpath):
        text = normalize_space(el.text_content())
        if text:
            return text
    return ""


def _language(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    """The language the markup declares, as a primary subtag ("vi", "id", "en")."""
    candidates = [
        tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "",
        meta.get("og:locale", ""),
        meta.get("content-language", ""),
        meta.get("language", ""),
        _string(article.get("inLanguage")),
    ]
    http_equiv = tree.xpath(
        ".//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')='content-language']"
    )
    if http_equiv:
        candidates.append(http_equiv[0].get("content") or "")
    for value in candidates:
        primary = re.split(r"[-_,;\s]", value.strip(), maxsplit=1)[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    return None


def _breadcrumb_section(tree: HtmlElement, objects: list[dict[str, Any]], title: str) -> str:
    crumbs: list[str] = []
    for obj in objects:
        if "BreadcrumbList" in _types(obj):
            for item in _as_list(obj.get("itemListElement")):
                if isinstance(item, dict):
                    inner = item.get("item")
                    name = item.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
                    if isinstance(name, str):
                        crumbs.append(normalize_space(name))
            break
    if not crumbs:
        for box in tree.xpath(".//*[contains(@class,'breadcrumb') or contains(@id,'breadcrumb')]"):
            crumbs = [normalize_space(a.text_content()) for a in box.iter("a", "li", "span")]
            crumbs = [c for c in dict.fromkeys(crumbs) if c and len(c) < 60]
            if crumbs:
                break
    crumbs = [c for c in crumbs if c.casefold() not in HOME_CRUMBS and normalize_space(c) != title]
    return crumbs[-1] if crumbs else ""


def _visible_authors(tree: HtmlElement) -> list[str]:
    names: list[str] = []
    for el in tree.xpath(".//*[@rel='author' or @itemprop='author']"):
        inner = el.xpath(".//*[@itemprop='name']")
        names.extend(clean_author((inner[0] if inner else el).text_content()))
    if names:
        return names
    for el in tree.iter("div", "span", "p", "a", "address", "strong"):
        if BYLINE_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}"):
            text = normalize_space(el.text_content())
            if 0 < len(text) <= MAX_NAME_CHARS:
                names.extend(clean_author(text))
    return merge_names(names)


DATE_TAGS = ("div", "span", "p", "time", "li", "small", "td", "font", "em")


def _after(
    order: dict[HtmlElement, int], headline: HtmlElement | None, els: list[HtmlElement]
) -> list[HtmlElement]:
    """``els`` with those after the headline first (in page order), then the rest.

    The article's own date is printed with its headline, under it; a date above
    the headline is the site's header ("Thứ Tư, 15/10/2025" in a sticky bar) or a
    list of other stories.
    """
    if headline is None or headline not in order:
        return els
    start = order[headline]
    return [e for e in els if order.get(e, -1) > start] + [e for e in els if order.get(e, -1) <= start]


def _page_zone(article: dict[str, Any], meta: dict[str, str]) -> dt.tzinfo | None:
    """The UTC offset the page's machine-readable dates are written in, if any says one."""
    for value in (
        _string(article.get("dateModified")),
        _string(article.get("dateCreated")),
        meta.get("article:modified_time", ""),
        meta.get("og:updated_time", ""),
    ):
        try:
            parsed = dt.datetime.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            continue
        offset = parsed.utcoffset() if parsed is not None else None
        if offset is not None:
            return dt.timezone(offset)
    return None


def _headline_element(tree: HtmlElement, title: str) -> HtmlElement | None:
    """The element that prints the headline: an ``<h1>`` saying it, else any element whose own text it is."""
    if not title:
        return None
    for h1 in tree.iter("h1"):
        if normalize_space(h1.text_content()) == title:
            return h1
    for el in tree.iter("h1", "h2", "td", "div", "span", "p", "font", "b", "strong"):
        if el.text and normalize_space(el.text) == title:
            return el
    return None


def _visible_date(
    tree: HtmlElement,
    lang: str | None,
    tried_warnings: list[str],
    title: str = "",
    page_tz: dt.tzinfo | None = None,
) -> dt.datetime | None:
    headline = _headline_element(tree, title)
    order = {el: i for i, el in enumerate(tree.iter())} if headline is not None else {}
    # Only the first few <time> elements: a page can hold thousands, each costing a date parse.
    times = _after(order, headline, tree.xpath(".//time[@datetime]"))
    for el in times[:MAX_TIME_ELEMENTS]:
        parsed = parse_machine_date(el.get("datetime", ""))
        if parsed:
            return parsed
        if el.get("datetime", "").strip() and WARN_PUBLISHED not in tried_warnings:
            tried_warnings.append(WARN_PUBLISHED)  # a stated date, unreadable: said if no other one reads
    tried = 0
    classed = [
        el for el in tree.iter(*DATE_TAGS) if DATE_CLASS.search(f"{el.get('class', '')} {el.get('id', '')}")
    ]
    for el in _after(order, headline, classed):
        text = normalize_space(el.text_content())
        if 0 < len(text) <= 120:
            parsed = parse_local_date(text, lang, page_tz=page_tz)
            if parsed:
                return parsed
            tried += 1
            if tried >= MAX_TIME_ELEMENTS:  # each costs a dateparser call; the date is near the top
                return None
    return None


def _title(tree: HtmlElement, meta: dict[str, str], article: dict[str, Any], outlet: str) -> str:
    in_article = _first_text(tree, "(.//article//h1 | .//*[@itemprop='articleBody']/..//h1)[1]")
    headings = [normalize_space(h.text_content()) for h in tree.iter("h1")]
    declared = [
        normalize_space(_string(article.get("headline"))),
        meta.get("og:title", ""),
        meta.get("twitter:title", ""),
    ]
    declared = [d for d in declared if d]
    page_title = _first_text(tree, ".//head/title")
    # The visible headline is what readers see; trust it when the metadata agrees with it,
    # since a page-level h1 is sometimes the site logo.
    for heading in ([in_article] if in_article else []) + headings:
        if heading and any(heading in d or d in heading for d in declared + [page_title]):
            return heading
    if declared:
        return strip_site_suffix(declared[0], outlet)
    if in_article:
        return in_article
    return strip_site_suffix(page_title, outlet) if page_title else next((h for h in headings if h), "")


TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—-]|::|»|·)\s+")
# Words that open an outlet's name: "Báo Lâm Thủy", "Tạp chí X", "Harian Y", "The Z".
OUTLET_WORDS = re.compile(
    r"^(?:báo|tạp chí|đài|cổng thông tin|truyền hình|thông tấn|harian|koran|majalah|tabloid|surat kabar|"
    r"radio|tv|the)\b",
    re.I,
)
GENERIC_MASTHEAD = frozenset({"", "home", "trang chủ", "beranda", "logo", "homepage", "trang chu"})
MAX_OUTLET_CHARS = 60
MAX_MASTHEAD_CANDIDATES = 12


def _same_name(a: str, b: str) -> bool:
    return bool(a) and normalize_space(a).casefold() == normalize_space(b).casefold()


def masthead_name(tree: HtmlElement, url: str = "") -> str:
    """The outlet's name as its masthead prints it: the logo's ``alt`` or ``title``, or the home link's text."""
    home = {"/", "./", "index.html", "/index.html", "#"}
    try:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            home |= {f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{parts.netloc}/"}
    except ValueError:
        pass
    seen = 0
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        classes = f"{link.get('class', '')} {link.get('id', '')}".casefold()
        if href not in home and "logo" not in classes and "brand" not in classes:
            continue
        seen += 1
        if seen > MAX_MASTHEAD_CANDIDATES:
            break
        images = link.findall(".//img")
        for value in (link.get("title"), *(img.get("alt") for img in images), link.text_content()):
            name = normalize_space(value or "")
            if name.casefold() not in GENERIC_MASTHEAD and len(name) <= MAX_OUTLET_CHARS:
                return name
    return ""


def title_affix_outlet(page_title: str, headline: str, masthead: str = "") -> str:
    """The outlet's name written before or after the headline in ``<title>`` ("Báo X - …", "… | Báo X")."""
    parts = TITLE_SEPARATOR.split(normalize_space(page_title))
    if len(parts) < 2:
        return ""
    first, last = parts[0], parts[-1]
    for candidate in (first, last):
        if masthead and _same_name(candidate, masthead):
            return candidate
    headline = normalize_space(headline).casefold()
    if headline:
        rest = " - ".join(p for p in parts if p.casefold() not in headline)
        if rest and rest != " - ".join(parts) and len(rest) <= MAX_OUTLET_CHARS:
            return rest if rest in (first, last) else ""
    if OUTLET_WORDS.match(first) and not OUTLET_WORDS.match(last) and len(first) <= MAX_OUTLET_CHARS:
        return first
    return last if len(last) <= MAX_OUTLET_CHARS and len(last) < len(first) else ""


def strip_site_suffix(title: str, outlet: str) -> str:
    """ "Headline - Outlet" / "Headline | Outlet" / "Outlet - Headline" -> "Headline"."""
    parts = TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    if outlet and outlet.casefold() in parts[0].casefold() and outlet.casefold() not in parts[-1].casefold():
        return " - ".join(parts[1:]).strip()
    if not outlet or outlet.casefold() in parts[-1].casefold() or len(parts[-1]) < 30:
        return " - ".join(parts[:-1]).strip()
    return title


def read_meta(
    tree: HtmlElement, url: str, *, json_ld: tuple[list[dict[str, Any]], list[str]] | None = None
) -> PageMeta:
    """Everything the page declares about its article; parts it could not read are in ``warnings``.

    ``json_ld``: ``json_ld_objects(tree, warnings)`` and its warnings, when the caller parsed them already.
    """
    if json_ld is None:
        warnings: list[str] = []
        objects = json_ld_objects(tree, warnings)
    else:
        objects, warnings = json_ld[0], list(json_ld[1])
    article = next((o for o in objects if _types(o) & ARTICLE_TYPES), {})
    meta = meta_tags(tree)
    language = _language(tree, meta, article)

    outlet = meta.get("og:site_name", "")
    if not outlet:
        outlet = next(iter(_name_of(article.get("publisher"))), "")
    if not outlet:
        site = next((o for o in objects if "WebSite" in _types(o) and isinstance(o.get("name"), str)), {})
        outlet = normalize_space(site.get("name", "")) or meta.get("application-name", "")
    if not outlet:
        # No machine-readable name: the title's prefix or suffix, checked against the masthead; then the
        # masthead alone. The host name is the caller's last resort, never taken here.
        masthead = masthead_name(tree, url)
        headline = normalize_space(_string(article.get("headline"))) or meta.get("og:title", "")
        headline = headline or _first_text(tree, ".//h1")
        outlet = title_affix_outlet(_first_text(tree, ".//head/title"), headline, masthead) or masthead

    authors = merge_names(
        [n for name in _name_of(article.get("author")) for n in clean_author(name)],
        [
            n
            for key in ("author", "article:author", "dc.creator", "sailthru.author")
            for n in clean_author(meta.get(key, ""))
        ],
    )
    if not authors:
        authors = _visible_authors(tree)

    published_tried: list[str] = []
    published = _first_date(
        (
            _string(article.get("datePublished")),
            meta.get("article:published_time", ""),
            meta.get("datepublished", ""),
            meta.get("pubdate", ""),
            meta.get("publishdate", ""),
            meta.get("publish-date", ""),
            meta.get("dc.date.issued", ""),
            meta.get("dc.date", ""),
            meta.get("date", ""),
            meta.get("og:published_time", ""),
        ),
        published_tried,
        WARN_PUBLISHED,
    )
    title = _title(tree, meta, article, outlet)
    if published is None:
        published = _visible_date(tree, language, published_tried, title, _page_zone(article, meta))
    if published is None:
        warnings += published_tried  # the page stated a date, and none of it could be used
    updated = _first_date(
        (
            _string(article.get("dateModified")),
            meta.get("article:modified_time", ""),
            meta.get("og:updated_time", ""),
            meta.get("datemodified", ""),
            meta.get("last-modified", ""),
        ),
        warnings,
        WARN_UPDATED,
    )

    section = meta.get("article:section", "")
    if not section:
        sections = (normalize_space(_string(s)) for s in _as_list(article.get("articleSection")))
        section = next((s for s in sections if s), "")
    if not section:
        section = _breadcrumb_section(tree, objects, title)

    canonical = ""
    for link in tree.iterfind(".//link[@rel][@href]"):
        if "canonical" in link.get("rel", "").lower().split():
            try:
                canonical = urljoin(url, link.get("href", "").strip())
            except ValueError:  # "http://[" and the like: no address at all
                warnings.append(WARN_CANONICAL)
            break
    if not canonical and meta.get("og:url", "").startswith("http"):
        canonical = meta["og:url"]

    description = (
        meta.get("og:description", "")
        or meta.get("description", "")
        or normalize_space(_string(article.get("description")))
        or meta.get("twitter:description", "")
    )
    return PageMeta(
        title=title,
        description=description,
        outlet=outlet,
        authors=authors,
        published=published,
        updated=updated,
        section=section,
        language=language,
        canonical=canonical,
        warnings=warnings,
    )
