"""kabar's extension points, all in one place.

Three kinds of plugin exist, each behind one small protocol:

* **fetch sources** (entry-point group ``kabar.sources``) turn a location — a
  feed URL, a sitemap, a page, a folder, a WARC file, a text capture — into
  ``RawDocument`` values;
* **MT engines** (entry-point group ``kabar.engines``) translate batches of
  segments from one language to another;
* **search backends** (entry-point group ``kabar.search``) index published texts and
  answer reader queries (SQLite FTS5 and PostgreSQL ship with kabar; an OpenSearch or
  Meilisearch plugin implements the same four methods);
* **CDN purgers** (entry-point group ``kabar.purgers``) tell a CDN or reverse proxy which cache
  tags (``Surrogate-Key`` / ``Cache-Tag`` values) an edit made stale (Varnish, Fastly and
  Cloudflare ship with kabar).

A plugin class is constructed with its options (a dict from settings). A plugin
that is not configured raises ``kabar.core.errors.NotConfigured`` from its
constructor and is left out; ``load_plugins`` logs which ones are enabled, so an
operator sees at start exactly what will run. This module imports no Django.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, runtime_checkable

from kabar.core.discover.search import IndexDocument, SearchQuery, SearchResults
from kabar.core.errors import NotConfigured
from kabar.core.types import RawDocument

log = logging.getLogger("kabar.plugins")

SOURCE_GROUP = "kabar.sources"
ENGINE_GROUP = "kabar.engines"
SEARCH_GROUP = "kabar.search"
PURGER_GROUP = "kabar.purgers"


@dataclass(frozen=True)
class DocumentFailure:
    """A document a source could not produce; stored with its reason, never dropped."""

    url: str
    reason: str
    stage: str = "fetch"


@runtime_checkable
class FetchSource(Protocol):
    """Turns one location into documents.

    ``kind`` matches ``Source.kind`` in the database (feed, sitemap, url, file,
    warc, capture). ``accepts`` lets ``kabar ingest <location>`` pick a source
    without being told the kind.
    """

    kind: ClassVar[str]

    def accepts(self, location: str) -> bool: ...

    def documents(self, location: str) -> Iterator[RawDocument | DocumentFailure]: ...


@runtime_checkable
class MTEngine(Protocol):
    """Translates batches of segments.

    ``translate`` returns exactly one output per input segment, in order, or
    raises ``kabar.core.errors.StageError``. ``glossary`` maps source terms to
    the target terms an engine that ``honours_glossary`` must use; the caller
    protects terms with placeholders for engines that do not.
    """

    name: ClassVar[str]
    max_batch: int
    honours_glossary: bool

    @property
    def model_version(self) -> str: ...

    def pairs(self) -> set[tuple[str, str]]: ...

    def translate(
        self,
        segments: Sequence[str],
        source: str,
        target: str,
        glossary: Mapping[str, str] | None = None,
    ) -> list[str]: ...


@runtime_checkable
class SearchBackend(Protocol):
    """Indexes published texts and answers reader queries.

    ``index`` adds or replaces documents by ``text_id``; ``delete`` removes texts (an
    unpublished or deleted text must never be found); ``search`` never raises for what a
    reader typed (quotes, ``*``, ``NEAR``, unbalanced parentheses, NUL bytes, 10 KB):
    it returns results or ``SearchResults.message``. ``clear`` empties the index (one
    language, or all) before a rebuild. The constructor raises ``NotConfigured`` where the
    backend cannot run (e.g. the PostgreSQL backend on a SQLite database).
    """

    name: ClassVar[str]

    def index(self, documents: Iterable[IndexDocument]) -> None: ...

    def delete(self, text_ids: Iterable[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResults: ...

    def clear(self, language: str | None = None) -> None: ...


@runtime_checkable
class CDNPurger(Protocol):
    """Makes a CDN or reverse proxy drop (or mark stale) every page carrying one of ``tags``.

    Tags are the page cache's (``article:12``, ``home:vi`` …: plain ASCII, no spaces or commas).
    ``purge`` sends them in as many requests as the service's limits need, within a bounded
    time, and raises on any failure (the purge task retries it). The constructor raises
    ``NotConfigured`` without the service's address or credentials.
    """

    name: ClassVar[str]

    def purge(self, tags: Sequence[str]) -> None: ...


def plugin_classes(group: str) -> dict[str, type]:
    """Plugin classes registered under an entry-point group, by entry-point name."""
    found: dict[str, type] = {}
    for ep in entry_points(group=group):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken third-party plugin must not stop kabar
            log.warning("plugin %s from %s failed to import: %s", ep.name, group, exc)
    return found


def load_plugins(group: str, options: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Instantiate every plugin of ``group`` with its options; skip NotConfigured ones.

    ``options`` maps entry-point name to that plugin's option dict. The names of
    enabled and disabled plugins are logged (INFO), with each disabled one's reason.
    """
    options = options or {}
    enabled: dict[str, Any] = {}
    for name, cls in sorted(plugin_classes(group).items()):
        try:
            enabled[name] = cls(**dict(options.get(name, {})))
        except NotConfigured as exc:
            log.info("%s %s: disabled (%s)", group, name, exc)
            continue
        log.info("%s %s: enabled", group, name)
    return enabled
