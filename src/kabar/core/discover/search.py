"""What a search backend is given and gives back; the protocol itself is in ``kabar.hookspecs``.

Backends (SQLite FTS5, PostgreSQL full-text, or a plugin for OpenSearch/Meilisearch) index one
``IndexDocument`` per published language version of an article and answer ``SearchQuery``
values with ``SearchResults``. The user's text is never handed to a query language as typed:
``kabar.core.discover.query`` turns it into terms and phrases first.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexDocument:
    """One published language version (``ArticleText``) of an article, as a backend indexes it."""

    text_id: int
    article_id: int
    language: str  # the language of this text (a translation is indexed in its own language)
    title: str
    lead: str
    body: str  # plain text of the body blocks, no markup
    published: dt.datetime
    outlet: str  # outlet slug
    original_language: str  # the article's source language
    section: str | None = None  # section slug


@dataclass(frozen=True)
class SearchFilters:
    section: str | None = None  # section slug
    outlet: str | None = None  # outlet slug
    since: dt.date | None = None  # published on or after (site time zone)
    until: dt.date | None = None  # published on or before
    original_language: str | None = None


@dataclass(frozen=True)
class SearchQuery:
    text: str  # what the reader typed, untouched
    language: str  # the reader's language: its texts rank first among equals
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class SearchHit:
    """The best-matching text of one article (one hit per article)."""

    article_id: int
    text_id: int  # the ArticleText that matched
    language: str  # that text's language
    score: float  # higher is better; only comparable within one result list
    title_html: str  # title with matched words in <mark>; everything else HTML-escaped
    snippet_html: str  # passage of lead/body with <mark>; everything else HTML-escaped


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int  # matching articles (may be an estimate for large result sets)
    page: int
    per_page: int
    message: str = ""  # set when the query could not be used as typed (said to the reader)


# Backends mark matched words with these two characters (which ``plain_text`` removes from
# indexed text, so they cannot come from an article), then ``marked_html`` escapes the rest
# and turns them into <mark>: highlighting never lets article text through as markup.
MARK_START = "\x02"
MARK_END = "\x03"
_CONTROL_CHARACTERS = str.maketrans({c: " " for c in [*map(chr, range(0x20)), "\x7f"] if c not in "\t\n"})


def plain_text(text: str) -> str:
    """``text`` without control characters (NUL, the mark characters …), as it is indexed."""
    return text.translate(_CONTROL_CHARACTERS)


def marked_html(text: str) -> str:
    """HTML for text whose matched words a backend put between MARK_START and MARK_END."""
    escaped = html.escape(text, quote=False)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
