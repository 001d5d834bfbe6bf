"""``file`` source: saved HTML pages, one file or a folder of them (``*.html``, ``*.htm``, recursive).

Files are read as bytes and decoded like fetched pages (BOM, ``<meta charset>``,
then detection), since saved pages keep whatever encoding the site used. A
page's URL is its ``<link rel="canonical">`` when that is an http(s) URL, so a
saved copy and the live page are the same article; otherwise its file:// URI.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import lxml.etree
import lxml.html

from kabar.core.errors import TooLarge
from kabar.core.fetch.charset import decode_html
from kabar.core.fetch.fetch import Fetcher
from kabar.core.sources import failure, file_uri, is_http_url, iter_files, local_path, split_options
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure

HTML_SUFFIXES = (".html", ".htm")


class LocalFiles:
    """Shared by the file and capture sources: options, and reading size-capped files under a path."""

    suffixes: ClassVar[tuple[str, ...]]
    own_options: ClassVar[Mapping[str, Any]] = {"max_bytes": 10_000_000, "max_files": 10_000}

    def __init__(self, fetcher: Fetcher | None = None, **options: Any) -> None:
        # Local files need no fetcher, nor fetch options; both are accepted so
        # that every source can be built the same way.
        self.options, _fetch_options = split_options(options, self.own_options)

    def files(self, location: str) -> Iterator[Path | DocumentFailure]:
        root = local_path(location)
        if root is None or not root.exists():
            yield DocumentFailure(location, "no such file or folder")
            return
        max_files = int(self.options["max_files"])
        for count, path in enumerate(iter_files(root, self.suffixes, max_files=max_files + 1), start=1):
            if count > max_files:
                yield DocumentFailure(location, f"stopped after {max_files} files (max_files)")
                return
            yield path

    def read(self, path: Path) -> bytes:
        limit = int(self.options["max_bytes"])
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"file larger than {limit:,} bytes", stage="fetch")
        return data

    def has_files(self, location: str) -> bool:
        root = local_path(location)
        if root is None or not root.exists():
            return False
        if root.is_file():
            return root.name.lower().endswith(self.suffixes)
        return next(iter_files(root, self.suffixes, max_files=1), None) is not None


class FileSource(LocalFiles):
    """Local HTML files and folders of them."""

    kind: ClassVar[str] = "file"
    label: ClassVar[str] = "HTML pages"
    suffixes: ClassVar[tuple[str, ...]] = HTML_SUFFIXES

    def accepts(self, location: str) -> bool:
        return self.has_files(location)

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]:
        for path in self.files(location):
            if isinstance(path, DocumentFailure):
                yield path
                continue
            try:
                text, _encoding = decode_html(self.read(path))
            except Exception as exc:
                yield failure(file_uri(path), exc)
                continue
            yield RawDocument(
                url=canonical_url(text) or file_uri(path),
                content=text,
                kind="html",
                hints={"path": str(path)},
            )


def canonical_url(page: str) -> str | None:
    """The page's ``<link rel="canonical">`` if it is an absolute http(s) URL."""
    if "canonical" not in page.lower():
        return None
    try:
        # A parser per call: lxml parsers must not be shared between threads.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        tree = lxml.html.document_fromstring(page.encode("utf-8"), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return None
    for link in tree.iter("link"):
        rel = str(link.get("rel", "")).lower().split()
        href = str(link.get("href", "")).strip()
        if "canonical" in rel and is_http_url(href):
            return href
    return None
