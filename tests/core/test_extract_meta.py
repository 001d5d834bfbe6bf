"""Page metadata: JSON-LD, OpenGraph, meta tags and visible bylines and dates."""

from __future__ import annotations

import datetime as dt

import lxml.html

from kabar.core.extract_meta import clean_author, parse_machine_date, read_meta, strip_site_suffix


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
