"""SitemapSource: indexes, gzip, Google News hints, ``since``, and the bounds."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from core.misbehaving_server import MisbehavingServer, Reply, html_page
from kabar.core.fetch import Fetcher
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
    assert list(source.documents(bomb)) == [DocumentFailure(bomb, "refused: unsafe XML (EntitiesForbidden)")]
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
