"""``url`` source: one web page. Also the page fetching the feed and sitemap sources share."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from kabar.core.errors import StageError
from kabar.core.fetch.fetch import Fetcher
from kabar.core.sources import failure, is_http_url, network_fetcher, split_options
from kabar.core.types import DocumentKind, RawDocument
from kabar.hookspecs import DocumentFailure

log = logging.getLogger("kabar.sources")

_PAGE_TYPES = ("text/html", "application/xhtml+xml", "")


def page_document(
    fetcher: Fetcher,
    url: str,
    *,
    hints: Mapping[str, Any] | None = None,
    declared_language: str | None = None,
) -> RawDocument | DocumentFailure:
    """Fetch one page; a ``RawDocument`` (its URL after redirects) or the reason it could not be had."""
    try:
        fetched = fetcher.fetch(url)
    except Exception as exc:  # one bad page costs that page, never the rest of the source
        if not isinstance(exc, StageError):  # a bug, not a bad page: keep the traceback
            log.exception("unexpected error fetching %s", url)
        return failure(url, exc)
    kind: DocumentKind
    if fetched.content_type in _PAGE_TYPES:
        kind = "html"
    elif fetched.content_type == "text/plain":
        kind = "text"
    else:
        return DocumentFailure(url=fetched.final_url, reason=f"not a web page ({fetched.content_type})")
    if not fetched.text.strip():
        return DocumentFailure(url=fetched.final_url, reason="empty page")
    return RawDocument(
        url=fetched.final_url,
        content=fetched.text,
        kind=kind,
        declared_language=declared_language,
        fetched=fetched,
        hints=dict(hints or {}),
    )


class NetworkSource:
    """Shared set-up of the sources that fetch over HTTP: options, and a fetcher built on first use."""

    kind: ClassVar[str]
    own_options: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, fetcher: Fetcher | None = None, **options: Any) -> None:
        self.options, self._fetch_options = split_options(options, self.own_options)
        self._fetcher = fetcher
        if fetcher is not None:
            network_fetcher(fetcher, self._fetch_options)  # reject fetch options next to a ready fetcher

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = network_fetcher(None, self._fetch_options)
        return self._fetcher


class UrlSource(NetworkSource):
    """A single web page by its http(s) URL."""

    kind: ClassVar[str] = "url"

    def accepts(self, location: str) -> bool:
        return is_http_url(location)

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]:
        yield page_document(self.fetcher, location.strip())
