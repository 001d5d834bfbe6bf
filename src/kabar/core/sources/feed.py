"""``feed`` source: an RSS or Atom feed; one document per entry, fetched from the entry's link.

The feed is fetched by kabar's fetcher and feedparser only parses the bytes, so
the SSRF guard, size cap and robots.txt apply to the feed as to any page.
Before feedparser sees it, the feed is decoded and read by kabar's hardened
XML parser (``kabar.core.extract.safe_xml``): a feed declaring XML entities is
refused, wherever the declaration hides (after a long comment, in UTF-16),
and feedparser is handed the decoded feed as UTF-8. Each
entry's page is preferred over the feed's own copy (``content:encoded``),
which is often shortened or stripped of images and credits; the feed copy is
used only when the page cannot be fetched, and then says so in its hints.
An entry's link or id becomes the article's address (a link on the reader
site), so only an http(s) one is used; an entry whose link is anything else
(``javascript:``, ``file:``) is never fetched and is known by its place in the
feed (``<feed URL>#entry-N``).
The ``since`` option (datetime or ISO 8601) skips entries last changed before it.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import feedparser

from kabar.core.errors import StageError
from kabar.core.extract.safe_xml import MalformedXml, UnsafeXml, decode_xml_document, parse_xml, utf8_document
from kabar.core.fetch.charset import media_type
from kabar.core.sources import failure, is_http_url, iso, language_code, looks_like_feed, parse_datetime
from kabar.core.sources.web import NetworkSource, page_document
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


class FeedSource(NetworkSource):
    """RSS 0.9x/1.0/2.0 and Atom feeds."""

    kind: ClassVar[str] = "feed"
    own_options: ClassVar[Mapping[str, Any]] = {
        "max_entries": 500,
        "fetch_pages": True,
        "since": None,
        # Validators from the last poll: the feed is fetched with a conditional GET, and an
        # unchanged feed (304) yields no documents at all.
        "etag": None,
        "last_modified": None,
    }
    validators: tuple[str | None, str | None] = (None, None)
    """The feed's ETag and Last-Modified after ``documents`` ran, for the next poll."""
    not_modified: bool = False

    def accepts(self, location: str) -> bool:
        return is_http_url(location) and looks_like_feed(location)

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]:
        location = location.strip()
        since = parse_datetime(self.options["since"])
        if self.options["since"] is not None and since is None:
            yield DocumentFailure(location, f"option since={self.options['since']!r} is not an ISO 8601 date")
            return
        etag, last_modified = self.options["etag"], self.options["last_modified"]
        try:
            fetched = self.fetcher.fetch(location, etag=etag, last_modified=last_modified)
        except Exception as exc:
            yield failure(location, exc)
            return
        self.not_modified = fetched.not_modified
        self.validators = (fetched.etag or etag, fetched.last_modified or last_modified)
        if fetched.not_modified:
            return
        try:
            parsed = parse_feed(fetched.content, url=fetched.final_url, content_type=fetched.content_type)
        except StageError as exc:
            yield failure(location, exc)
            return
        if not parsed.entries:
            why = f": {parsed.get('bozo_exception')}" if parsed.get("bozo") else ""
            yield DocumentFailure(location, f"no entries in the feed{why}")
            return
        feed_info = parsed.get("feed", {})
        feed_language = language_code(feed_info.get("language"))
        outlet = str(feed_info.get("title", "")).strip()
        seen: set[str] = set()
        for number, entry in enumerate(parsed.entries[: int(self.options["max_entries"])]):
            hints = _entry_hints(entry, feed=location, outlet=outlet)
            dated = parse_datetime(hints.get("updated") or hints.get("published"))
            if since and dated and dated < since:
                continue
            language = language_code(entry.get("language")) or feed_language
            link = str(entry.get("link", "")).strip()
            if link and link in seen:
                continue
            seen.add(link)
            yield self._entry_document(entry, link, number, hints, language, location)

    def _entry_document(
        self,
        entry: Any,
        link: str,
        number: int,
        hints: dict[str, Any],
        language: str | None,
        location: str,
    ) -> RawDocument | DocumentFailure:
        full_text = _full_content(entry)
        if link and not is_http_url(link):
            why = f"the entry's link is not an http(s) URL: {link[:200]!r}"
            if not full_text:
                return DocumentFailure(f"{location}#entry-{number + 1}", why)
            hints = {**hints, "page_error": why}
            link = ""
        entry_id = str(entry.get("id") or "")
        url = link or (entry_id if is_http_url(entry_id) else f"{location}#entry-{number + 1}")
        if link and self.options["fetch_pages"]:
            page = page_document(self.fetcher, link, hints=hints, declared_language=language)
            if isinstance(page, RawDocument) or not full_text:
                return page
            hints = {**hints, "page_error": page.reason}
        if not full_text:
            why = (
                "the entry has no link"
                if not link
                else "pages are not fetched and the entry has no full text"
            )
            return DocumentFailure(url, why)
        # The feed's own copy: the page failed, was not wanted, or there is no link.
        title = html.escape(str(hints.get("title", "")))
        document = (
            f"<html><head><title>{title}</title></head><body><article>{full_text}</article></body></html>"
        )
        return RawDocument(
            url=url,
            content=document,
            kind="html",
            declared_language=language,
            hints={**hints, "content_source": "feed"},
        )


def parse_feed(content: bytes, *, url: str, content_type: str = "") -> Any:
    """feedparser's reading of a fetched feed, after the hardened parser has vetted it.

    Raises ``UnsafeXml`` (the feed declares entities). A feed too broken for
    the XML parser to read at all still goes to feedparser, which reads tag
    soup; whether it finds entries decides.
    """
    try:
        body = parse_xml(content, content_type=content_type, recover=True, url=url).utf8()
    except UnsafeXml as exc:
        raise UnsafeXml("refused: the feed declares XML entities", url=url) from exc
    except MalformedXml:
        body = utf8_document(decode_xml_document(content, content_type))
    kind = media_type(content_type) or "application/xml"
    return feedparser.parse(
        body,
        response_headers={"content-location": url, "content-type": f"{kind}; charset=utf-8"},
    )


def _entry_hints(entry: Any, *, feed: str, outlet: str) -> dict[str, Any]:
    hints: dict[str, Any] = {"feed": feed}
    if entry.get("title"):
        hints["title"] = str(entry["title"]).strip()
    published = _entry_time(entry, "published_parsed")
    updated = _entry_time(entry, "updated_parsed")
    if published or updated:
        hints["published"] = iso(published or updated)
    if updated:
        hints["updated"] = iso(updated)
    authors = [str(a.get("name", "")).strip() for a in entry.get("authors", []) if a.get("name")]
    if not authors and entry.get("author"):
        authors = [str(entry["author"]).strip()]
    if authors:
        hints["authors"] = authors
    if outlet:
        hints["outlet"] = outlet
    tags = [str(t.get("term", "")).strip() for t in entry.get("tags", []) if t.get("term")]
    if tags:
        hints["section"] = tags[0]
    if entry.get("summary"):
        hints["summary"] = str(entry["summary"]).strip()
    return hints


def _entry_time(entry: Any, key: str) -> dt.datetime | None:
    # dict.get, not entry.get: feedparser answers a missing "updated_parsed" with
    # the published date (a deprecated fallback), which would invent an update.
    value = dict.get(entry, key)
    if not isinstance(value, time.struct_time):
        return None
    return dt.datetime(*value[:6], tzinfo=dt.UTC)  # feedparser normalises dates to UTC


def _full_content(entry: Any) -> str:
    """The entry's full HTML (``content:encoded`` / Atom ``content``), or "" when the feed has none."""
    contents = entry.get("content") or []
    for wanted in ("text/html", "application/xhtml+xml"):
        for item in contents:
            if item.get("type") == wanted and str(item.get("value", "")).strip():
                return str(item["value"])
    for item in contents:
        if str(item.get("value", "")).strip():
            return html.escape(str(item["value"]))
    return ""
