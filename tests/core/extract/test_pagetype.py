"""The page-type stage: listings of many CMS styles are refused, articles (real and fixture) are not."""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path

import pytest
from trafilatura.utils import decode_file, load_html

from kabar.core.extract.extract import extract_html
from kabar.core.extract.pagetype import (
    NotAnArticle,
    PageFeatures,
    classify,
    classify_page,
    page_features,
)
from kabar.demo import OUTLET_DIR, PARTNERS

TESTS = Path(__file__).resolve().parents[2]
FIXTURES = TESTS / "fixtures" / "pagetype"
CASES: dict[str, dict[str, str]] = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))
SCRAPINGHUB = TESTS.parent.parent / "shared" / "bench" / "extraction" / "scrapinghub"
OTHER_ARTICLE_FIXTURES = [
    *sorted((TESTS / "core" / "fixtures" / "html").glob("*.html")),
    *sorted((TESTS / "fixtures" / "extraction_cms" / "html").glob("*.html")),
]


def _tree(path: Path):  # type: ignore[no-untyped-def]
    return load_html(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_listing_pages_of_many_cms_styles_are_not_articles(name: str) -> None:
    case = CASES[name]
    verdict = classify_page(_tree(FIXTURES / name), case["url"])
    assert verdict.kind == case["kind"], verdict
    assert not verdict.is_article


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_listing_is_told_by_its_markup_without_its_address(name: str) -> None:
    verdict = classify_page(_tree(FIXTURES / name), "https://elsewhere.example/some/page")
    assert not verdict.is_article, verdict


def test_extraction_refuses_a_listing_with_a_reason_an_operator_reads() -> None:
    case = CASES["wordpress_category.html"]
    html = (FIXTURES / "wordpress_category.html").read_text(encoding="utf-8")
    with pytest.raises(NotAnArticle) as caught:
        extract_html(html, url=case["url"])
    assert caught.value.stage == "pagetype"
    assert caught.value.reason.startswith("not an article: section page")
    assert "5 repeated teasers" in caught.value.reason
    copy = pickle.loads(pickle.dumps(caught.value))  # it crosses the worker processes' pipe
    assert isinstance(copy, NotAnArticle) and copy.stage == "pagetype" and copy.reason == caught.value.reason


def _outlet_pages() -> list[tuple[Path, str]]:
    pages = [
        (p, f"https://song-hong.example/{p.relative_to(OUTLET_DIR).as_posix()}")
        for p in OUTLET_DIR.rglob("*.html")
    ]
    for partner in PARTNERS:
        pages += [
            (p, f"https://{partner.slug}.example/{p.relative_to(partner.directory).as_posix()}")
            for p in partner.directory.rglob("*.html")
        ]
    return sorted(pages)


@pytest.mark.parametrize(
    ("path", "url"), _outlet_pages(), ids=lambda v: v.name if isinstance(v, Path) else ""
)
def test_the_sample_outlets_home_and_section_pages_are_listings_and_its_articles_are_not(
    path: Path, url: str
) -> None:
    verdict = classify_page(_tree(path), url)
    is_listing = path.name == "index.html"
    assert verdict.is_article is not is_listing, verdict
    # Served from the demo server the home page's address is "/": the markup alone must decide too.
    assert classify_page(_tree(path), "http://127.0.0.1:8000/x").is_article is not is_listing


@pytest.mark.parametrize("path", OTHER_ARTICLE_FIXTURES, ids=lambda p: p.name)
def test_article_fixtures_of_every_cms_style_are_articles(path: Path) -> None:
    verdict = classify_page(_tree(path), "https://example.org/news/2025/10/14/a-story-of-the-day.html")
    assert verdict.is_article, verdict


@pytest.mark.skipif(not SCRAPINGHUB.is_dir(), reason="the shared benchmark data is not checked out")
def test_every_scrapinghub_article_is_an_article() -> None:
    truth = json.loads((SCRAPINGHUB / "ground-truth.json").read_text(encoding="utf-8"))
    refused = []
    for page_id, gold in truth.items():
        html = decode_file(gzip.decompress((SCRAPINGHUB / "html" / f"{page_id}.html.gz").read_bytes()))
        verdict = classify_page(load_html(html), gold["url"])
        if not verdict.is_article:
            refused.append((gold["url"], verdict.reason))
    assert len(truth) == 181 and refused == []


SHORT_BRIEF = """<html><head><meta property="og:type" content="article"></head><body>
<article><h1>Ferry timetable changes on Monday</h1>
<p>The island ferry will leave twenty minutes earlier on weekdays from Monday, the operator said.
The last crossing of the evening is unchanged, and weekend sailings keep their times.</p>
</article>
<div class="related">{}</div></body></html>"""
TEASER = '<div class="card"><a href="/news/{0}/a-story-numbered-{0}">Another story of the day, number {0}</a></div>'


def test_a_short_brief_with_a_related_box_stays_an_article() -> None:
    html = SHORT_BRIEF.format("".join(TEASER.format(i) for i in range(8)))
    verdict = classify_page(load_html(html), "https://example.org/news/2025/10/13/ferry-timetable-changes")
    assert verdict.is_article, verdict


def test_a_page_of_teasers_that_calls_itself_an_article_is_still_a_listing() -> None:
    html = SHORT_BRIEF.replace("<p>", "<p hidden>").format("".join(TEASER.format(i) for i in range(8)))
    html = html.replace(
        "The island ferry will leave twenty minutes earlier on weekdays from Monday, the operator said.", ""
    )
    html = html.replace(
        "The last crossing of the evening is unchanged, and weekend sailings keep their times.", ""
    )
    verdict = classify_page(load_html(html), "https://example.org/news/")
    assert not verdict.is_article and verdict.kind == "section", verdict


def test_an_empty_page_at_a_home_address_is_left_to_the_extractor() -> None:
    # The address alone is weak evidence: a page with nothing on it is "no article text", not a home page.
    features = page_features(load_html("<html><body><p>Hi</p></body></html>"), "https://example.org/")
    assert features.url_kind == "home"
    assert classify(features).is_article


def _features(**changes: object) -> PageFeatures:
    base = dict(
        declared="",
        declared_kind=None,
        prose_paragraphs=0,
        prose_chars=0,
        teasers=0,
        link_share=0.0,
        images=0,
        url_kind=None,
    )
    return PageFeatures(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("features", "kind"),
    [
        (
            _features(declared="article", prose_paragraphs=6, prose_chars=2400, teasers=12, link_share=0.3),
            "article",
        ),
        (_features(prose_paragraphs=5, prose_chars=1800, teasers=6, link_share=0.2), "article"),
        (
            _features(prose_paragraphs=1, prose_chars=450, teasers=20, link_share=0.7, url_kind="article"),
            "article",
        ),
        (_features(declared="website", prose_chars=0, teasers=2, link_share=0.25), "section"),
        (_features(declared="website", prose_chars=0, teasers=2, link_share=0.25, url_kind="home"), "home"),
        (_features(prose_paragraphs=1, prose_chars=500, teasers=3, link_share=0.2, url_kind="tag"), "tag"),
        (
            _features(declared="listing", declared_kind="search", prose_paragraphs=3, prose_chars=900),
            "search",
        ),
        (_features(declared="listing", prose_paragraphs=6, prose_chars=2500), "article"),
        (_features(images=12, link_share=0.1), "gallery"),
        (_features(teasers=15, link_share=0.6), "section"),
    ],
)
def test_the_verdict_weighs_declaration_structure_and_address(features: PageFeatures, kind: str) -> None:
    verdict = classify(features)
    assert verdict.kind == kind, verdict
    assert verdict.reason and verdict.evidence
