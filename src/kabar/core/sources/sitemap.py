"""``sitemap`` source: XML sitemaps, sitemap indexes, gzip sitemaps and Google News sitemaps.

Sitemaps are decoded (UTF-8, UTF-16 or UTF-32, with or without a byte-order
mark, or whatever the XML declaration names) and parsed by kabar's hardened
XML parser (``kabar.core.extract.safe_xml``), which refuses entity declarations
(billion laughs, external entities) and never loads a DTD. Indexes are followed recursively but bounded in
depth and in the number of sitemaps read, because an index can list thousands
of sitemaps or, maliciously, itself. Elements are matched by local name, since
real sitemaps get the namespace wrong often enough.

The ``since`` option (a datetime or ISO 8601 string) skips URLs, and whole
child sitemaps, whose ``lastmod`` (or news publication date) is older.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from lxml.etree import _Element as Element

from kabar.core.extract.safe_xml import UnsafeXml, decode_xml_document, parse_xml
from kabar.core.fetch.fetch_errors import FetchError, FetchTooLarge
from kabar.core.sources import failure, is_http_url, iso, language_code, looks_like_sitemap, parse_datetime
from kabar.core.sources.web import NetworkSource, page_document
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


class SitemapSource(NetworkSource):
    """Every page a sitemap (or sitemap index) lists."""

    kind: ClassVar[str] = "sitemap"
    own_options: ClassVar[Mapping[str, Any]] = {
        "since": None,
        "max_depth": 3,  # index -> index -> index -> urlset
        "max_sitemaps": 50,
        "max_urls": 5_000,
        "max_sitemap_bytes": 50_000_000,  # uncompressed; the sitemaps.org limit
    }

    def accepts(self, location: str) -> bool:
        return is_http_url(location) and looks_like_sitemap(location)

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]:
        since = parse_datetime(self.options["since"])
        if self.options["since"] is not None and since is None:
            yield DocumentFailure(location, f"option since={self.options['since']!r} is not an ISO 8601 date")
            return
        walk = _Walk(since=since, max_sitemaps=int(self.options["max_sitemaps"]))
        urls = 0
        for item in self._sitemap(location.strip(), 0, walk):
            if isinstance(item, _Page):
                urls += 1
                if urls > int(self.options["max_urls"]):
                    yield DocumentFailure(
                        location, f"stopped after {self.options['max_urls']} URLs (max_urls)"
                    )
                    return
                yield page_document(self.fetcher, item.url, hints=item.hints, declared_language=item.language)
            else:
                yield item

    def _sitemap(self, url: str, depth: int, walk: _Walk) -> Iterator[_Page | DocumentFailure]:
        if url in walk.visited:
            return
        walk.visited.add(url)
        if len(walk.visited) > walk.max_sitemaps:
            yield DocumentFailure(url, f"not read: more than {walk.max_sitemaps} sitemaps (max_sitemaps)")
            return
        try:
            root = self._load(url)
        except Exception as exc:
            yield failure(url, exc)
            return
        if isinstance(root, list):  # a plain-text sitemap: one URL per line
            for line in root:
                yield _Page(line, None, None, {"sitemap": url})
            return
        kind = _local(root.tag)
        if kind == "sitemapindex":
            for child in _children(root, "sitemap"):
                child_url = _text(child, "loc")
                lastmod = parse_datetime(_text(child, "lastmod"))
                if not child_url or (walk.since and lastmod and lastmod < walk.since):
                    continue
                if depth + 1 > int(self.options["max_depth"]):
                    yield DocumentFailure(
                        child_url, f"not read: sitemap indexes nested deeper than {self.options['max_depth']}"
                    )
                    continue
                yield from self._sitemap(child_url, depth + 1, walk)
        elif kind == "urlset":
            for entry in _children(root, "url"):
                page = _page(entry, sitemap=url)
                if page is None or (walk.since and page.date and page.date < walk.since):
                    continue
                yield page
        else:
            yield DocumentFailure(url, f"not a sitemap: the root element is <{kind}>")

    def _load(self, url: str) -> Element | list[str]:
        fetched = self.fetcher.fetch(url)
        content = fetched.content
        if content[:2] == b"\x1f\x8b":  # a .xml.gz file; a Content-Encoding: gzip is undone by httpx
            content = _gunzip(content, int(self.options["max_sitemap_bytes"]), url)
        text = decode_xml_document(content, fetched.content_type)
        if not text.lstrip("\ufeff \t\r\n").startswith("<"):
            urls = _text_urls(text)
            if not urls:
                raise FetchError("not a sitemap: neither XML nor a list of URLs", url=url)
            return urls
        try:
            return parse_xml(content, content_type=fetched.content_type, url=url).root
        except UnsafeXml as exc:
            raise UnsafeXml("refused: the sitemap declares XML entities", url=url) from exc


class _Walk:
    """State of one walk through a sitemap tree."""

    def __init__(self, *, since: dt.datetime | None, max_sitemaps: int) -> None:
        self.since = since
        self.max_sitemaps = max_sitemaps
        self.visited: set[str] = set()


class _Page:
    def __init__(
        self, url: str, date: dt.datetime | None, language: str | None, hints: dict[str, Any]
    ) -> None:
        self.url = url
        self.date = date
        self.language = language
        self.hints = hints


def _page(entry: Element, *, sitemap: str) -> _Page | None:
    url = _text(entry, "loc")
    if not url:
        return None
    lastmod = parse_datetime(_text(entry, "lastmod"))
    hints: dict[str, Any] = {"sitemap": sitemap}
    if lastmod:
        hints["updated"] = iso(lastmod)
    language = None
    date = lastmod
    for news in _children(entry, "news"):
        published = parse_datetime(_text(news, "publication_date"))
        if published:
            hints["published"] = iso(published)
            date = published
        if _text(news, "title"):
            hints["title"] = _text(news, "title")
        for publication in _children(news, "publication"):
            if _text(publication, "name"):
                hints["outlet"] = _text(publication, "name")
            language = language_code(_text(publication, "language"))
    return _Page(url, date, language, hints)


def _local(tag: object) -> str:
    # Comments and processing instructions are children too; their tag is not a name.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _text_urls(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if is_http_url(line.strip())]


def _gunzip(content: bytes, limit: int, url: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as unzipped:
            data = unzipped.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise FetchError(f"broken gzip: {exc}", url=url) from exc
    if len(data) > limit:
        raise FetchTooLarge(f"sitemap larger than {limit:,} bytes once unzipped", url=url)
    return data
