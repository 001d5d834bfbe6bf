"""The fictional demo outlet's files: structure, metadata, traps, feed, translations, images.

The demo ingests these pages through the real pipeline and compares the result with
the translations, so a page that loses its metadata, a translation whose paragraphs
drift from the original, or a missing image would break the demo quietly. These
tests read the files as a crawler would, with real parsers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
from PIL import Image

from kabar.demo import OUTLET_BASE, OUTLET_DIR
from kabar.demo.make_images import HEIGHT, SCENES, WIDTH, write_images

SITE_NAME = "Báo Sông Hồng"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
MAX_IMAGE_BYTES = 60 * 1024
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# letters that only Vietnamese uses; a "translation" containing them was not translated
VIETNAMESE_ONLY = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)

SECTIONS: list[dict[str, object]] = json.loads((OUTLET_DIR / "sections.json").read_text(encoding="utf-8"))
SECTION_NAMES = {str(s["slug"]): dict(s["names"]) for s in SECTIONS}  # type: ignore[call-overload]
PAGES = sorted(OUTLET_DIR.rglob("*.html"))
ARTICLE_PATHS = sorted(p for p in OUTLET_DIR.glob("*/*.html") if p.name != "index.html")
TRANSLATIONS = sorted((OUTLET_DIR / "translations").glob("*.json"))


def rel(path: Path) -> str:
    return path.relative_to(OUTLET_DIR).as_posix()


@dataclass(frozen=True)
class ArticlePage:
    path: Path
    doc: lxml.html.HtmlElement

    @property
    def slug(self) -> str:
        return self.path.stem

    @property
    def section_slug(self) -> str:
        return self.path.parent.name

    def meta(self, key: str) -> str:
        found = self.doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
        assert len(found) == 1, f"{rel(self.path)}: expected one <meta> {key}, found {len(found)}"
        return str(found[0])

    @property
    def author(self) -> str:
        return self.meta("author")

    @property
    def body(self) -> lxml.html.HtmlElement:
        (content,) = self.doc.xpath('//article//div[@class="detail-content"]')
        return content

    @property
    def figures(self) -> list[lxml.html.HtmlElement]:
        return list(self.body.xpath("./figure"))

    def is_signature(self, p: lxml.html.HtmlElement) -> bool:
        return str(p.text_content()).strip() == self.author.upper()

    @property
    def story_paragraphs(self) -> list[str]:
        """Body paragraphs as the README defines them: no "Xem thêm:" lines, no signature."""
        return [
            p.text_content().strip()
            for p in self.body.xpath("./p")
            if not p.text_content().strip().startswith("Xem thêm:") and not self.is_signature(p)
        ]


@cache
def load(path: Path) -> ArticlePage:
    return ArticlePage(path, lxml.html.fromstring(path.read_bytes()))


def articles() -> list[ArticlePage]:
    return [load(p) for p in ARTICLE_PATHS]


class _TagBalance(HTMLParser):
    """Records every close tag that does not match the innermost open one."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(
                f"</{tag}> at line {self.getpos()[0]} closes <{self.stack[-1] if self.stack else ''}>"
            )
        else:
            self.stack.pop()


def test_outlet_has_enough_articles_sections_and_authors() -> None:
    pages = articles()
    assert len(pages) >= 14
    assert len({p.section_slug for p in pages}) >= 4
    assert len({p.author for p in pages}) >= 3
    assert len({p.slug for p in pages}) == len(pages), "article slugs must be unique across sections"


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_page_is_balanced_html_with_the_fictional_notice(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    checker = _TagBalance()
    checker.feed(text)
    checker.close()
    assert checker.problems == [], checker.problems[:3]
    assert checker.stack == [], f"unclosed: {checker.stack}"
    doc = lxml.html.fromstring(text.encode("utf-8"))
    assert doc.get("lang") == "vi"
    footer = " ".join(doc.xpath("//footer")[0].text_content().split())
    assert "hư cấu" in footer and "fictional" in footer and "kabar" in footer
    assert doc.xpath('//link[@rel="canonical"]/@href')[0].startswith(OUTLET_BASE + "/")
    assert doc.xpath('//meta[@property="og:site_name"]/@content') == [SITE_NAME]


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_relative_links_and_images_exist(path: Path) -> None:
    doc = lxml.html.fromstring(path.read_bytes())
    for ref in doc.xpath("//a/@href | //img/@src | //link/@href"):
        parts = urlsplit(ref)
        if parts.scheme or not parts.path:  # absolute (token or third-party) or in-page anchor
            continue
        target = (path.parent / parts.path).resolve()
        assert target.is_file(), f"{rel(path)} links to missing {ref}"
        assert OUTLET_DIR in target.parents, f"{rel(path)} links outside the outlet: {ref}"


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=rel)
def test_article_metadata(path: Path) -> None:
    page = load(path)
    title = page.doc.xpath("//article//h1")[0].text_content().strip()
    lead = page.doc.xpath('//article//p[@class="sapo"]')[0].text_content().strip()
    assert title and lead
    assert page.meta("og:site_name") == SITE_NAME
    assert page.meta("og:title") == title
    assert page.meta("og:description") == lead
    url = f"{OUTLET_BASE}/{rel(path)}"
    assert page.doc.xpath('//link[@rel="canonical"]/@href') == [url]
    assert page.meta("og:url") == url
    assert page.meta("article:section") == SECTION_NAMES[page.section_slug]["vi"]
    assert page.author and page.meta("article:author") == page.author

    published = dt.datetime.fromisoformat(page.meta("article:published_time"))
    assert published.utcoffset() == dt.timedelta(hours=7)
    assert (published.year, published.month) in {(2025, 10), (2025, 11)}
    (shown,) = page.doc.xpath('//article//time[@class="date"]')
    assert dt.datetime.fromisoformat(shown.get("datetime")) == published
    expected = f"{WEEKDAYS[published.weekday()]}, {published:%d/%m/%Y, %H:%M}"
    assert shown.text_content().strip() == expected

    (ld_text,) = page.doc.xpath('//script[@type="application/ld+json"]/text()')
    ld = json.loads(ld_text)
    assert ld["headline"] == title
    assert dt.datetime.fromisoformat(ld["datePublished"]) == published
    assert ld["author"]["name"] == page.author


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=rel)
def test_article_body_paragraphs_images_and_author_line(path: Path) -> None:
    page = load(path)
    paragraphs = page.story_paragraphs
    assert 5 <= len(paragraphs) <= 10
    words = sum(len(p.split()) for p in paragraphs)
    assert 250 <= words <= 600, f"{words} words"

    assert 1 <= len(page.figures) <= 2
    for figure in page.figures:
        (src,) = figure.xpath("./img/@src")
        image = (path.parent / src).resolve()
        assert image.is_file() and image.parent == OUTLET_DIR / "images", src
        caption = figure.xpath("./figcaption")[0].text_content().strip()
        assert re.search(r"Ảnh: \S", caption), f"no credit in caption: {caption!r}"

    signed = [p for p in page.body.xpath("./p") if page.is_signature(p)]
    byline = page.doc.xpath('//article//span[@class="author-name"]/text()')
    # each article names its author exactly once in the page body: signature or byline
    assert (len(signed), byline) in ((1, []), (0, [page.author]))
    if signed:
        assert page.body.xpath("./p")[-1] is signed[0], "the signature closes the body"


def test_pages_carry_the_traps_the_pipeline_must_remove() -> None:
    pages = articles()
    for page in pages:
        text = page.doc.text_content()
        assert page.doc.xpath('//div[@class="share-bar"]'), rel(page.path)
        assert "Bình luận (0)" in text
        assert page.doc.xpath('//article//section[@class="box-related"]/h2/text()') == ["Tin liên quan"]
        assert page.doc.xpath('//section[@class="box-same-category"]/h2/text()') == ["Cùng chuyên mục"]
        nav = {a.strip() for a in page.doc.xpath("//nav//a/text()")}
        assert {names["vi"] for names in SECTION_NAMES.values()} <= nav
    inline_see_also = [
        p for p in pages if any(x.text_content().startswith("Xem thêm:") for x in p.body.xpath("./p"))
    ]
    no_data = [p for p in pages if any(t.strip() == "No data" for t in p.doc.xpath("//p/text()"))]
    filename_alts = [
        p for p in pages if any(re.fullmatch(r"IMG_\d+\.jpg", a) for a in p.doc.xpath("//figure/img/@alt"))
    ]
    signed = [p for p in pages if any(p.is_signature(x) for x in p.body.xpath("./p"))]
    assert len(inline_see_also) >= 3
    assert len(no_data) >= 2
    assert len(filename_alts) >= 1
    assert 3 <= len(signed) <= len(pages) - 3, "both author styles must be exercised"


def test_listing_pages_link_every_article() -> None:
    home = lxml.html.fromstring((OUTLET_DIR / "index.html").read_bytes())
    assert {rel(p) for p in ARTICLE_PATHS} <= set(home.xpath("//a/@href"))
    for slug in {p.parent.name for p in ARTICLE_PATHS}:
        listing = lxml.html.fromstring((OUTLET_DIR / slug / "index.html").read_bytes())
        linked = {h.removeprefix("../") for h in listing.xpath('//section[@class="list-news"]//h3/a/@href')}
        assert linked == {rel(p) for p in ARTICLE_PATHS if p.parent.name == slug}


def test_sections_json_names_every_section_in_three_languages() -> None:
    slugs = [str(s["slug"]) for s in SECTIONS]
    assert len(slugs) == len(set(slugs))
    for names in SECTION_NAMES.values():
        assert set(names) == {"vi", "en", "id"} and all(str(n).strip() for n in names.values())
    assert {p.parent.name for p in ARTICLE_PATHS} <= set(slugs)
    assert {p.name for p in OUTLET_DIR.iterdir() if (p / "index.html").is_file()} <= set(slugs)


def test_rss_lists_every_article_with_date_author_and_section() -> None:
    feed = feedparser.parse((OUTLET_DIR / "rss.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    description = feed.feed.get("subtitle", "")
    assert "hư cấu" in description and "fictional" in description
    entries = {e.link: e for e in feed.entries}
    pages = articles()
    assert set(entries) == {f"{OUTLET_BASE}/{rel(p.path)}" for p in pages}
    for page in pages:
        entry = entries[f"{OUTLET_BASE}/{rel(page.path)}"]
        published = dt.datetime.fromisoformat(page.meta("article:published_time"))
        year, month, day, hour, minute, second = entry.published_parsed[:6]
        assert dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC) == published
        assert entry.author == page.author
        assert [t.term for t in entry.tags] == [page.meta("article:section")]
        assert entry.title == page.meta("og:title")


def test_sitemap_and_robots_point_at_every_article() -> None:
    tree = lxml.etree.parse(str(OUTLET_DIR / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = set(tree.xpath("//s:url/s:loc/text()", namespaces=ns))
    assert {f"{OUTLET_BASE}/{rel(p)}" for p in ARTICLE_PATHS} <= locs
    assert f"Sitemap: {OUTLET_BASE}/sitemap.xml" in (OUTLET_DIR / "robots.txt").read_text(encoding="utf-8")


def test_translations_cover_enough_articles_in_both_languages() -> None:
    by_lang: dict[str, set[str]] = {}
    for path in TRANSLATIONS:
        slug, lang = path.name.removesuffix(".json").rsplit(".", 1)
        by_lang.setdefault(lang, set()).add(slug)
    assert set(by_lang) == {"en", "id"}
    assert len(by_lang["en"]) >= 5 and len(by_lang["id"]) >= 4
    assert len(by_lang["en"] & by_lang["id"]) >= 2


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: p.name)
def test_translation_matches_its_original(path: Path) -> None:
    slug, _lang = path.name.removesuffix(".json").rsplit(".", 1)
    (original,) = [load(p) for p in ARTICLE_PATHS if p.stem == slug]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"title", "lead", "paragraphs", "captions", "translator"}
    assert len(data["paragraphs"]) == len(original.story_paragraphs)
    assert len(data["captions"]) == len(original.figures)
    assert data["translator"].strip()
    texts = [data["title"], data["lead"], *data["paragraphs"], *data["captions"]]
    assert all(t.strip() for t in texts)
    untranslated = [t for t in texts if VIETNAMESE_ONLY.search(t)]
    assert untranslated == [], untranslated[:1]


def test_committed_images_are_the_ones_pages_use_and_within_limits() -> None:
    referenced = {Path(src).name for p in articles() for src in p.doc.xpath("//figure/img/@src")}
    on_disk = {p.name for p in (OUTLET_DIR / "images").glob("*.jpg")}
    assert referenced == on_disk == {s.file for s in SCENES}
    for name in on_disk:
        path = OUTLET_DIR / "images" / name
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.size == (WIDTH, HEIGHT)
        assert path.stat().st_size < MAX_IMAGE_BYTES


def test_make_images_is_deterministic(tmp_path: Path) -> None:
    first = write_images(tmp_path / "a")
    second = write_images(tmp_path / "b")
    assert [p.name for p in first] == [s.file for s in SCENES]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert a.stat().st_size < MAX_IMAGE_BYTES
        with Image.open(a) as image:
            assert image.size == (WIDTH, HEIGHT)
