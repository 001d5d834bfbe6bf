"""Page metadata: JSON-LD, OpenGraph, meta tags and visible bylines and dates."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from kabar.core.extract.extract_meta import clean_author, parse_machine_date, read_meta, strip_site_suffix


def meta_of(head: str, body: str = "", lang: str = "") -> object:
    html = f"<html{lang}><head>{head}</head><body>{body}</body></html>"
    return read_meta(lxml.html.document_fromstring(html), "https://example.org/a/b")


def test_json_ld_graph_is_read() -> None:
    meta = read_meta(
        lxml.html.document_fromstring(
            """<html><head><script type="application/ld+json">
            {"@context": "https://schema.org", "@graph": [
              {"@type": ["NewsArticle"], "headline": "Headline from JSON-LD",
               "author": {"@type": "Person", "name": "By Ana Lima"},
               "publisher": {"@type": "Organization", "name": "Diário Exemplo"},
               "datePublished": "2025-10-13T08:15:00Z", "articleSection": "Mundo",
               "inLanguage": "pt-BR"}]}
            </script></head><body><p>x</p></body></html>"""
        ),
        "https://example.org/",
    )
    assert meta.title == "Headline from JSON-LD"
    assert meta.authors == ["Ana Lima"]
    assert meta.outlet == "Diário Exemplo"
    assert meta.published == dt.datetime(2025, 10, 13, 8, 15, tzinfo=dt.UTC)
    assert meta.section == "Mundo"
    assert meta.language == "pt"


def test_broken_json_ld_is_ignored() -> None:
    meta = meta_of(
        '<script type="application/ld+json">{"@type": "NewsArticle", </script><title>T - Site</title>'
    )
    assert meta.title == "T"


def test_visible_headline_wins_when_metadata_agrees() -> None:
    meta = meta_of(
        '<meta property="og:title" content="Ferry fares rise | Coastal Ledger">'
        '<meta property="og:site_name" content="Coastal Ledger">',
        "<h1 class='logo'>Coastal Ledger</h1><article><h1>Ferry fares rise</h1></article>",
    )
    assert meta.title == "Ferry fares rise"
    assert meta.outlet == "Coastal Ledger"


def test_local_date_on_the_page_is_parsed() -> None:
    meta = meta_of("", "<div class='date'>Senin, 13 Oktober 2025 10:15 WIB</div>", ' lang="id"')
    assert meta.published == dt.datetime(2025, 10, 13, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert meta.language == "id"


def test_og_locale_and_canonical() -> None:
    meta = meta_of('<meta property="og:locale" content="vi_VN"><link rel="canonical" href="/goc">')
    assert meta.language == "vi"
    assert meta.canonical == "https://example.org/goc"


def test_no_language_when_markup_declares_none() -> None:
    assert meta_of("<title>x</title>").language is None


def test_breadcrumb_gives_the_section() -> None:
    meta = meta_of(
        "",
        "<ul class='breadcrumb'><li><a href='/'>Trang chủ</a></li><li><a href='/kt'>Kinh tế</a></li></ul>"
        "<h1>Giá vàng tăng</h1>",
    )
    assert meta.section == "Kinh tế"


def test_clean_author() -> None:
    assert clean_author("By Lan Pham and Tom Becker") == ["Lan Pham", "Tom Becker"]
    assert clean_author("Oleh: Rina Sari, Budi") == ["Rina Sari", "Budi"]
    assert clean_author("https://example.org/author/x") == []


def test_machine_dates_without_zone_get_the_default_zone() -> None:
    parsed = parse_machine_date("2025-10-12T14:30:00")
    assert parsed is not None and parsed.utcoffset() == dt.timedelta(hours=7)
    assert parse_machine_date("not a date") is None


def test_strip_site_suffix() -> None:
    assert strip_site_suffix("Giá vàng tăng - Báo Kinh Tế", "Báo Kinh Tế") == "Giá vàng tăng"
    assert strip_site_suffix("Ferry fares rise", "") == "Ferry fares rise"


def json_ld(script: str) -> str:
    return f'<script type="application/ld+json">{script}</script><title>Fallback title - Site</title>'


def test_deeply_nested_json_ld_is_ignored_with_a_warning() -> None:
    """100k levels made json.loads raise RecursionError out of the whole extraction."""
    meta = meta_of(json_ld("[" * 100_000 + "]" * 100_000))
    assert meta.title == "Fallback title"
    assert meta.warnings == ["ignored JSON-LD: nested too deep"]


def test_other_json_ld_scripts_still_count_when_one_is_refused() -> None:
    meta = meta_of(
        json_ld('{"@type": "NewsArticle", "n": ' + "9" * 5000 + "}")  # past Python's int digit limit
        + json_ld('{"@type": "NewsArticle", "headline": "From the good script"}')
        + json_ld('{"@type": "NewsArticle", ')
    )
    assert meta.title == "From the good script"
    assert meta.warnings == ["ignored JSON-LD: not valid JSON"] * 2


def test_brackets_inside_json_strings_are_not_nesting() -> None:
    headline = "[" * 200 + '{{ \\" quoted ]]'  # in JSON: an escaped quote inside the string
    meta = meta_of(json_ld('{"@type": "NewsArticle", "headline": "' + headline + '"}'))
    assert meta.warnings == []
    assert meta.title.startswith("[[[")


def test_json_ld_values_of_the_wrong_type_are_ignored() -> None:
    meta = meta_of(
        json_ld(
            '[{"@type": "NewsArticle", "headline": {"x": 1}, "datePublished": ["2025-10-13"],'
            ' "articleSection": [{"a": 1}, "Thế giới"], "inLanguage": 5, "description": 7},'
            ' {"@type": "BreadcrumbList", "itemListElement": [{"item": "https://x.test/"}, {"item": 5}]}]'
        )
    )
    assert meta.title == "Fallback title"
    assert meta.section == "Thế giới"
    assert meta.published is None and meta.description == ""


def test_a_canonical_link_that_is_not_a_url_is_ignored_with_a_warning() -> None:
    meta = meta_of('<link rel="canonical" href="http://[">')
    assert meta.canonical == ""
    assert meta.warnings == ["ignored the canonical link: not a valid address"]


@pytest.mark.parametrize(
    "value",
    [
        "99999-01-01",  # not ISO, and not a date parse_local_date finds
        "0000-01-01T00:00:00",
        "0001-01-01T00:00:00+14:00",  # a valid datetime that overflows once made UTC
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_out_of_range_dates_are_dropped_with_a_warning(value: str) -> None:
    assert parse_machine_date(value) is None
    meta = meta_of(
        f'<meta property="article:published_time" content="{value}">'
        f'<meta property="article:modified_time" content="{value}">'
    )
    assert meta.published is None and meta.updated is None
    assert meta.warnings == [
        "ignored a publication date that could not be read or is out of range",
        "ignored an update date that could not be read or is out of range",
    ]


def test_a_bad_date_is_no_warning_when_another_one_reads() -> None:
    meta = meta_of(
        '<meta property="article:published_time" content="9999-12-31T23:59:59-12:00">'
        '<meta name="pubdate" content="2025-10-13T08:00:00+07:00">'
    )
    assert meta.published == dt.datetime(2025, 10, 13, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert meta.warnings == []
