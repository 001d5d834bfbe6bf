"""SitemapSource: indexes, gzip, Google News hints, ``since``, and the bounds."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from core.misbehaving_server import MisbehavingServer, Reply, html_page
from kabar.core.fetch.fetch import Fetcher
from kabar.core.sources.sitemap import SitemapSource
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


@pytest.fixture
def site(server: MisbehavingServer, fixtures: Path) -> MisbehavingServer:
    """An outlet with a sitemap index -> a news sitemap and a gzipped page sitemap."""
    server.route_file("/sitemap-index.xml", fixtures / "sitemap-index.xml", "application/xml")
    server.route_file("/sitemaps/news.xml", fixtures / "sitemap-news.xml", "text/xml")
    pages = (fixtures / "sitemap-pages.xml").read_bytes().replace(b"{base}", server.url("").encode())
    server.route(
        "/sitemaps/pages.xml.gz", Reply(body=gzip.compress(pages), content_type="application/x-gzip")
    )
    server.route("/news/hop-tac", html_page("Hợp tác bước vào giai đoạn mới", "Nội dung."))
    server.route("/news/cu", html_page("Tin cũ", "Nội dung cũ."))
    server.route("/pages/about", html_page("Giới thiệu", "Về chúng tôi."))
    return server


def test_index_is_walked_with_news_hints(site: MisbehavingServer, fetcher: Fetcher) -> None:
    items = list(SitemapSource(fetcher=fetcher).documents(site.url("/sitemap-index.xml")))
    docs = {i.url: i for i in items if isinstance(i, RawDocument)}
    failures = {i.url: i.reason for i in items if isinstance(i, DocumentFailure)}

    assert set(docs) == {site.url("/news/hop-tac"), site.url("/news/cu"), site.url("/pages/about")}
    news = docs[site.url("/news/hop-tac")]
    assert news.declared_language == "vi"
    assert news.hints["title"] == "Hợp tác bước vào giai đoạn mới"
    assert news.hints["outlet"] == "Báo Thử Nghiệm"
    assert news.hints["published"] == "2025-10-12T07:30:00+07:00"
    assert news.hints["sitemap"] == site.url("/sitemaps/news.xml")
    assert docs[site.url("/pages/about")].hints["updated"] == "2025-10-11T00:00:00+00:00"
    assert failures == {
        site.url("/pages/missing"): "HTTP 404 Not Found",
        site.url("/pages/2018"): "HTTP 404 Not Found",
        site.url("/sitemaps/archive-2019.xml"): "HTTP 404 Not Found",
    }
    assert site.paths().count("/sitemap-index.xml") == 1  # the index lists itself: read once


def test_since_skips_old_urls_and_old_sitemaps(site: MisbehavingServer, fetcher: Fetcher) -> None:
    source = SitemapSource(fetcher=fetcher, since="2025-10-01T00:00:00+07:00")
    items = list(source.documents(site.url("/sitemap-index.xml")))
    assert [i.url for i in items if isinstance(i, RawDocument)] == [
        site.url("/news/hop-tac"),
        site.url("/pages/about"),
    ]
    assert [i.url for i in items if isinstance(i, DocumentFailure)] == [site.url("/pages/missing")]
    for skipped in ("/sitemaps/archive-2019.xml", "/news/cu", "/pages/2018"):
        assert skipped not in site.paths()


def test_nesting_and_count_are_bounded(site: MisbehavingServer, fetcher: Fetcher) -> None:
    shallow = list(SitemapSource(fetcher=fetcher, max_depth=0).documents(site.url("/sitemap-index.xml")))
    assert all(isinstance(i, DocumentFailure) for i in shallow)
    assert "nested deeper than 0" in shallow[0].reason  # type: ignore[union-attr]

    few = list(SitemapSource(fetcher=fetcher, max_sitemaps=2).documents(site.url("/sitemap-index.xml")))
    assert any(isinstance(i, DocumentFailure) and "max_sitemaps" in i.reason for i in few)
    assert "/sitemaps/pages.xml.gz" not in site.paths()

    capped = list(SitemapSource(fetcher=fetcher, max_urls=1).documents(site.url("/sitemaps/news.xml")))
    assert len(capped) == 2
    assert capped[-1] == DocumentFailure(
        site.url("/sitemaps/news.xml"), "stopped after 1 URLs (max_urls)", "fetch"
    )


def test_unsafe_and_foreign_xml_are_failures(server: MisbehavingServer, fetcher: Fetcher) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol2;</loc></url></urlset>'
    )
    bomb = server.route("/sitemap-bomb.xml", Reply(body=laughs, content_type="application/xml"))
    rss = server.route(
        "/sitemap-rss.xml", Reply(body=b"<rss><channel/></rss>", content_type="application/xml")
    )
    broken = server.route("/sitemap-broken.xml", Reply(body=b"<urlset><url>", content_type="application/xml"))
    source = SitemapSource(fetcher=fetcher)
    assert list(source.documents(bomb)) == [
        DocumentFailure(bomb, "refused: the sitemap declares XML entities")
    ]
    assert list(source.documents(rss)) == [DocumentFailure(rss, "not a sitemap: the root element is <rss>")]
    (item,) = source.documents(broken)
    assert isinstance(item, DocumentFailure) and "not well-formed XML" in item.reason


def test_text_sitemap(server: MisbehavingServer, fetcher: Fetcher) -> None:
    server.route("/a", html_page("A", "a"))
    lines = f"{server.url('/a')}\n\n{server.url('/b')}\n".encode()
    url = server.route("/sitemap.txt", Reply(body=lines, content_type="text/plain"))
    items = list(SitemapSource(fetcher=fetcher).documents(url))
    assert isinstance(items[0], RawDocument) and items[0].url == server.url("/a")
    assert items[1] == DocumentFailure(server.url("/b"), "HTTP 404 Not Found", "fetch")


def test_bad_since_is_reported() -> None:
    (item,) = SitemapSource(since="last tuesday").documents("https://news.example/sitemap.xml")
    assert isinstance(item, DocumentFailure) and "since='last tuesday'" in item.reason


def test_accepts() -> None:
    source = SitemapSource()
    assert source.accepts("https://news.example/sitemap.xml")
    assert source.accepts("https://news.example/sitemap_index.xml.gz")
    assert source.accepts("https://news.example/news.xml")
    assert not source.accepts("https://news.example/rss.xml")
    assert not source.accepts("https://news.example/thoi-su/bai-viet.html")


URLSET = (
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>{base}/tin/hà-nội</loc><lastmod>2025-10-11</lastmod></url></urlset>"
)


@pytest.mark.parametrize(
    ("declaration", "encoding"),
    [
        ('<?xml version="1.0" encoding="UTF-16"?>', "utf-16"),  # with a byte-order mark
        ("", "utf-16"),  # a BOM and no declaration
        ('<?xml version="1.0" encoding="UTF-16"?>', "utf-16-le"),  # no BOM: told by the zero bytes
        ("", "utf-16-be"),
        ('<?xml version="1.0" encoding="UTF-32"?>', "utf-32"),
    ],
)
def test_utf16_and_utf32_sitemaps_are_read(
    server: MisbehavingServer, fetcher: Fetcher, declaration: str, encoding: str
) -> None:
    """They were refused as "not a sitemap": the first byte is not "<"."""
    body = (declaration + URLSET.replace("{base}", server.url(""))).encode(encoding)
    url = server.route("/sitemap.xml", Reply(body=body, content_type="application/xml"))
    gzipped = server.route(
        "/sitemap.xml.gz", Reply(body=gzip.compress(body), content_type="application/gzip")
    )
    server.route("/tin/h%C3%A0-n%E1%BB%99i", html_page("Hà Nội", "Tin."))
    for location in (url, gzipped):
        (item,) = SitemapSource(fetcher=fetcher).documents(location)
        assert isinstance(item, RawDocument), item
        assert item.hints["updated"] == "2025-10-11T00:00:00+00:00"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le"])
def test_entities_are_refused_however_the_sitemap_is_encoded(
    server: MisbehavingServer, fetcher: Fetcher, tmp_path: Path, encoding: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read-me")
    dtd = server.route("/evil.dtd", Reply(body=b'<!ENTITY leak "x">', content_type="application/xml-dtd"))
    body = (
        f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
        f'<!DOCTYPE urlset SYSTEM "{dtd}" [<!ENTITY file SYSTEM "{secret.as_uri()}">]>'
        + "<!-- "
        + "padding " * 10_000
        + " -->"
        + URLSET.replace("{base}", "&file;")
    ).encode(encoding)
    url = server.route("/sitemap.xml", Reply(body=body, content_type="application/xml"))
    items = list(SitemapSource(fetcher=fetcher).documents(url))
    assert items == [DocumentFailure(url, "refused: the sitemap declares XML entities")]
    assert "/evil.dtd" not in server.paths()


def test_an_external_dtd_is_never_fetched(server: MisbehavingServer, fetcher: Fetcher) -> None:
    dtd = server.route(
        "/sitemap.dtd", Reply(body=b"<!ELEMENT urlset ANY>", content_type="application/xml-dtd")
    )
    body = f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{dtd}">{URLSET}'.replace("{base}", server.url(""))
    url = server.route("/sitemap.xml", Reply(body=body.encode(), content_type="application/xml"))
    (item,) = SitemapSource(fetcher=fetcher).documents(url)
    assert isinstance(item, DocumentFailure) and item.reason == "HTTP 404 Not Found"  # the listed page
    assert "/sitemap.dtd" not in server.paths()


def test_a_date_with_no_utc_equivalent_is_dropped(server: MisbehavingServer, fetcher: Fetcher) -> None:
    """Year 1 at +14:00 is valid ISO 8601 but before datetime.min in UTC: storing it raised OverflowError."""
    body = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{server.url('/a')}</loc><lastmod>0001-01-01T00:00:00+14:00</lastmod></url></urlset>"
    )
    url = server.route("/sitemap.xml", Reply(body=body.encode(), content_type="application/xml"))
    server.route("/a", html_page("A", "a"))
    (item,) = SitemapSource(fetcher=fetcher).documents(url)
    assert isinstance(item, RawDocument) and "updated" not in item.hints
