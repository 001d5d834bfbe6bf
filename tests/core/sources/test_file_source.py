"""FileSource: saved HTML pages on disk."""

from __future__ import annotations

from pathlib import Path

from kabar.core.sources.files import FileSource, canonical_url
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


def vietnamese(fixtures: Path) -> str:
    return (fixtures / "vi-utf8.txt").read_text(encoding="utf-8").strip()


def test_folder_is_read_recursively_with_charset_detection(fixtures: Path) -> None:
    folder = fixtures / "saved-pages"
    items = list(FileSource().documents(str(folder)))
    assert all(isinstance(i, RawDocument) for i in items)
    by_path = {Path(i.hints["path"]).name: i for i in items if isinstance(i, RawDocument)}
    assert set(by_path) == {"with-canonical.html", "legacy-1258.htm"}  # notes.txt is not a page

    canonical = by_path["with-canonical.html"]
    assert canonical.url == "https://news.example/thoi-su/ha-noi-don-mua-thu"
    assert canonical.kind == "html"
    assert "Mùa thu đã về trên phố cổ." in canonical.content

    legacy = by_path["legacy-1258.htm"]
    assert legacy.url == (folder / "nested" / "legacy-1258.htm").resolve().as_uri()
    assert vietnamese(fixtures) in legacy.content  # windows-1258 bytes, decoded and NFC-composed


def test_single_file_by_path_or_uri(fixtures: Path) -> None:
    page = fixtures / "saved-pages" / "with-canonical.html"
    by_path = list(FileSource().documents(str(page)))
    by_uri = list(FileSource().documents(page.resolve().as_uri()))
    assert len(by_path) == 1 and by_path == by_uri


def test_problems_are_failures(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 500 + b"</p>")
    (tmp_path / "small.html").write_bytes(b"<p>ok</p>")
    items = list(FileSource(max_bytes=100).documents(str(tmp_path)))
    assert items[0] == DocumentFailure(big.resolve().as_uri(), "file larger than 100 bytes", "fetch")
    assert isinstance(items[1], RawDocument)

    missing = str(tmp_path / "nope")
    assert list(FileSource().documents(missing)) == [
        DocumentFailure(missing, "no such file or folder", "fetch")
    ]

    capped = list(FileSource(max_files=1).documents(str(tmp_path)))
    assert capped[-1] == DocumentFailure(str(tmp_path), "stopped after 1 files (max_files)", "fetch")


def test_canonical_must_be_an_absolute_web_url() -> None:
    assert canonical_url('<link rel="canonical" href="/relative">') is None
    assert (
        canonical_url('<link rel="Canonical alternate" href="https://a.example/x">') == "https://a.example/x"
    )
    assert canonical_url('<link rel="canonical" href="javascript:alert(1)">') is None
    assert canonical_url("<p>no link</p>") is None


def test_accepts(fixtures: Path) -> None:
    source = FileSource()
    assert source.accepts(str(fixtures / "saved-pages"))
    assert source.accepts(str(fixtures / "saved-pages" / "with-canonical.html"))
    assert not source.accepts(str(fixtures / "saved-pages" / "notes.txt"))
    assert not source.accepts(str(fixtures / "captures"))
    assert not source.accepts(str(fixtures / "no-such-folder"))
    assert not source.accepts("https://news.example/a.html")
