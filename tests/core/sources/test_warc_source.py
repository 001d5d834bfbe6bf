"""WarcSource: small CC-NEWS-like WARC and WET files written with warcio in the test."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from kabar.core.sources.warc import WarcSource
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


def vietnamese(fixtures: Path) -> str:
    return (fixtures / "vi-utf8.txt").read_text(encoding="utf-8").strip()


def response(
    writer: WARCWriter,
    uri: str,
    body: bytes,
    *,
    content_type: str | None = "text/html; charset=utf-8",
    status: str = "200 OK",
    language: str | None = None,
) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    http = StatusAndHeaders(status, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    warc_headers = {"WARC-Identified-Content-Language": language} if language else None
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=warc_headers
    )
    writer.write_record(record)


def write_news_warc(path: Path, fixtures: Path, *, gzip: bool) -> None:
    legacy = (
        b"<html><head><title>Legacy</title></head><body><p>"
        + (fixtures / "vi-cp1258.txt").read_bytes()
        + b"</p></body></html>"
    )
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "kabar-test"}))
        request = writer.create_warc_record(
            "https://news.example/a",
            "request",
            payload=io.BytesIO(b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n"),
        )
        writer.write_record(request)
        response(
            writer,
            "https://news.example/a",
            "<html><head><title>A</title></head><body><p>Xin chào</p></body></html>".encode(),
            language="vie,eng",
        )
        response(writer, "https://news.example/logo.jpg", b"\xff\xd8\xff\xe0", content_type="image/jpeg")
        response(writer, "https://news.example/old", b"", status="301 Moved Permanently")
        response(
            writer, "https://news.example/legacy", legacy, content_type="text/html; charset=windows-1258"
        )
        response(
            writer,
            "https://news.example/untyped",
            b"<!doctype html><html><body><p>no type</p></body></html>",
            content_type=None,
            language="ind",
        )


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_html_responses_become_documents(tmp_path: Path, fixtures: Path, gzip: bool) -> None:
    path = tmp_path / ("news.warc.gz" if gzip else "news.warc")
    write_news_warc(path, fixtures, gzip=gzip)
    items = list(WarcSource().documents(str(path)))
    assert all(isinstance(i, RawDocument) for i in items)
    docs = {i.url: i for i in items if isinstance(i, RawDocument)}
    assert list(docs) == [
        "https://news.example/a",
        "https://news.example/legacy",
        "https://news.example/untyped",
    ]
    first = docs["https://news.example/a"]
    assert first.kind == "html" and "<p>Xin chào</p>" in first.content
    assert first.declared_language == "vi"
    assert first.hints["warc"] == path.resolve().as_uri()
    assert vietnamese(fixtures) in docs["https://news.example/legacy"].content
    assert docs["https://news.example/legacy"].declared_language is None
    assert docs["https://news.example/untyped"].declared_language == "id"


def test_wet_conversion_records_are_text(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "news.warc.wet.gz"
    text = vietnamese(fixtures)
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for uri, body, language in [
            ("https://news.example/a", text, "vie"),
            ("https://berita.example/b", "Kunjungan kenegaraan dimulai hari ini.", "ind,eng"),
        ]:
            record = writer.create_warc_record(
                uri,
                "conversion",
                payload=io.BytesIO(body.encode("utf-8")),
                warc_content_type="text/plain",
                warc_headers_dict={"WARC-Identified-Content-Language": language},
            )
            writer.write_record(record)
    items = list(WarcSource().documents(str(path)))
    assert [(i.url, i.kind, i.declared_language) for i in items if isinstance(i, RawDocument)] == [
        ("https://news.example/a", "text", "vi"),
        ("https://berita.example/b", "text", "id"),
    ]
    assert isinstance(items[0], RawDocument) and items[0].content == text


def test_oversized_record_and_truncated_file(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "news.warc.gz"
    write_news_warc(path, fixtures, gzip=True)
    items = list(WarcSource(max_bytes=80).documents(str(path)))
    assert DocumentFailure("https://news.example/legacy", "record larger than 80 bytes", "fetch") in items

    data = path.read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data + b"\x1f\x8b\x08\x00garbage that is not a gzip member")
    items = list(WarcSource().documents(str(broken)))
    assert [i.url for i in items if isinstance(i, RawDocument)] == [
        "https://news.example/a",
        "https://news.example/legacy",
        "https://news.example/untyped",
    ]
    failure = items[-1]
    assert isinstance(failure, DocumentFailure) and failure.url == broken.resolve().as_uri()
    assert failure.reason.startswith("unreadable after")


def test_accepts(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "CC-NEWS-20251012.warc.gz"
    write_news_warc(path, fixtures, gzip=True)
    source = WarcSource()
    assert source.accepts(str(path))
    assert source.accepts(str(tmp_path))
    assert not source.accepts(str(fixtures / "captures"))
    assert not source.accepts("https://data.example/CC-NEWS.warc.gz")


def test_a_record_whose_target_is_not_http_is_known_by_its_place_in_the_file(tmp_path: Path) -> None:
    """The target becomes the article's address (a link on the reader site): http(s) only."""
    path = tmp_path / "crafted.wet"
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        for uri in ["javascript:alert(document.cookie)", "https://news.example/b"]:
            record = writer.create_warc_record(
                uri, "conversion", payload=io.BytesIO("Xin chào".encode()), warc_content_type="text/plain"
            )
            writer.write_record(record)
    first, second = WarcSource().documents(str(path))
    assert isinstance(first, RawDocument) and isinstance(second, RawDocument)
    assert first.url == f"{path.resolve().as_uri()}#record-1"
    assert second.url == "https://news.example/b"
