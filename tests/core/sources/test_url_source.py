"""UrlSource: one page by URL."""

from __future__ import annotations

from core.misbehaving_server import MisbehavingServer, Reply, html_page
from kabar.core.fetch.fetch import Fetcher
from kabar.core.sources.web import UrlSource
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


def test_page_after_redirect(server: MisbehavingServer, fetcher: Fetcher) -> None:
    server.route("/short", Reply(status=301, headers={"Location": "/thoi-su/bai-viet"}))
    server.route("/thoi-su/bai-viet", html_page("Tiêu đề", "Nội dung."))
    (doc,) = UrlSource(fetcher=fetcher).documents(server.url("/short"))
    assert isinstance(doc, RawDocument)
    assert doc.url == server.url("/thoi-su/bai-viet")
    assert "Nội dung." in doc.content
    assert doc.kind == "html"
    assert doc.fetched is not None and doc.fetched.url == server.url("/short")


def test_plain_text_page_is_a_text_document(server: MisbehavingServer, fetcher: Fetcher) -> None:
    url = server.route("/capture.txt", Reply(body="Dòng một\nDòng hai\n".encode(), content_type="text/plain"))
    (doc,) = UrlSource(fetcher=fetcher).documents(url)
    assert isinstance(doc, RawDocument) and doc.kind == "text"


def test_failures_are_documents(server: MisbehavingServer, fetcher: Fetcher) -> None:
    pdf = server.route("/report.pdf", Reply(body=b"%PDF-1.7", content_type="application/pdf"))
    empty = server.route("/empty", Reply(body=b"  \n"))
    source = UrlSource(fetcher=fetcher)
    assert list(source.documents(pdf)) == [DocumentFailure(pdf, "not a web page (application/pdf)", "fetch")]
    assert list(source.documents(empty)) == [DocumentFailure(empty, "empty page", "fetch")]
    assert list(source.documents(server.url("/nope"))) == [
        DocumentFailure(server.url("/nope"), "HTTP 404 Not Found", "fetch")
    ]


def test_private_address_is_refused_by_default(server: MisbehavingServer) -> None:
    url = server.route("/page", html_page("t", "x"))
    source = UrlSource()  # builds its own fetcher from kabar's settings: private addresses refused
    assert list(source.documents(url)) == [
        DocumentFailure(url, "refused: 127.0.0.1 is a loopback address", "fetch")
    ]
    assert server.requests == []


def test_accepts_only_http_urls() -> None:
    source = UrlSource()
    assert source.accepts("https://news.example/a")
    assert source.accepts("http://news.example")
    assert not source.accepts("file:///tmp/a.html")
    assert not source.accepts("/tmp/a.html")
    assert not source.accepts("news.example/a")
