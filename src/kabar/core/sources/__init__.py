"""Fetch sources: plugins that turn a location into ``RawDocument`` values.

Registered under the ``kabar.sources`` entry-point group (see ``kabar.hookspecs``):
``feed``, ``sitemap``, ``url``, ``file``, ``warc``, ``capture``. Each is built as
``Source(fetcher=None, **options)``; a network source given no fetcher builds
one from kabar's settings, and options that name ``FetchPolicy`` fields (e.g.
``allow_private=True``) shape that fetcher.

A document that cannot be produced is yielded as ``DocumentFailure`` with the
reason, never dropped and never raised out of the iterator.

``RawDocument.hints`` keys, all JSON-friendly and all optional: ``title``,
``published`` and ``updated`` (ISO 8601 strings), ``authors`` (list of str),
``outlet`` (publication name), ``section``, ``summary``, ``feed`` / ``sitemap``
(where the URL was listed), ``path`` (local file), ``content_source``
(``"feed"`` when the text came from the feed because the page failed), ``page_error``
(why the page was not used). ``kabar.core.pipeline`` fills empty fields from them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kabar.core.errors import StageError
from kabar.core.fetch.fetch import Fetcher, FetchPolicy
from kabar.core.fetch.urls import is_http_url as is_http_url  # re-exported: the sources' own check
from kabar.core.text.language import normalize_code
from kabar.hookspecs import DocumentFailure

_FETCH_OPTIONS = frozenset(f.name for f in fields(FetchPolicy))


def split_options(
    options: Mapping[str, Any], own: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``options`` into this source's own (defaults from ``own``) and fetch-policy ones.

    A name that is neither is a mistake in the operator's settings: say so.
    """
    unknown = sorted(set(options) - set(own) - _FETCH_OPTIONS)
    if unknown:
        raise TypeError(f"unknown source option(s): {', '.join(unknown)}")
    mine = {**own, **{k: v for k, v in options.items() if k in own}}
    fetch = {k: v for k, v in options.items() if k in _FETCH_OPTIONS}
    return mine, fetch


def network_fetcher(fetcher: Fetcher | None, fetch_options: Mapping[str, Any]) -> Fetcher:
    """The given fetcher, or a new one from kabar's settings with ``fetch_options`` applied."""
    if fetcher is not None:
        if fetch_options:
            raise TypeError(
                f"fetch option(s) {', '.join(sorted(fetch_options))} given with a ready fetcher; "
                "set them on its FetchPolicy instead"
            )
        return fetcher
    return Fetcher(FetchPolicy.from_settings(**fetch_options))


def failure(url: str, exc: BaseException, *, stage: str = "fetch") -> DocumentFailure:
    """A ``DocumentFailure`` carrying an exception's reason (a StageError's own reason and stage)."""
    if isinstance(exc, StageError):
        return DocumentFailure(url=url, reason=exc.reason, stage=exc.stage)
    return DocumentFailure(url=url, reason=f"{type(exc).__name__}: {exc}", stage=stage)


def url_path(location: str) -> str:
    """The lower-cased path of a URL (or the location itself when it is a plain path)."""
    return urlsplit(location.strip()).path.lower()


def local_path(location: str) -> Path | None:
    """The local path a location names (a path or a ``file://`` URI), or None for anything else."""
    location = location.strip()
    parts = urlsplit(location)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # "C:" is a drive letter, not a scheme
        return None
    return Path(location).expanduser()


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def absolute_location(location: str) -> str:
    """A local path or ``file://`` URI as an absolute path; any other location unchanged.

    What a failure is stored under must still name the file when read from another folder.
    """
    path = local_path(location)
    return str(path.resolve()) if path is not None else location.strip()


def accepted_locations(sources: Iterable[type]) -> str:
    """What the given source classes take, in words: local file types first, then URLs.

    A local source is one with ``suffixes``; its ``label`` (or else its kind) names it.
    """
    local: list[tuple[str, str]] = []
    remote: list[str] = []
    for source in sources:
        kind = str(getattr(source, "kind", source.__name__))
        suffixes = getattr(source, "suffixes", None)
        if suffixes:
            local.append((str(getattr(source, "label", kind)), ", ".join(suffixes)))
        else:
            remote.append(kind)
    parts = []
    if local:
        types = [f"{label} ({suffixes})" for label, suffixes in sorted(local, key=lambda t: t[0].lower())]
        parts.append(f"{_and(types)}, one file or a folder of them")
    if remote:
        parts.append(f"http:// and https:// URLs (--kind {_and(sorted(remote), 'or')})")
    return "; ".join(parts) or "nothing (no source plugins are installed)"


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def unaccepted_reason(location: str, sources: Iterable[type]) -> str:
    """Why no source takes ``location``, and what would be taken: the words ``kabar ingest`` prints.

    A missing file says "file not found", a URL with another scheme names the scheme, a file
    of another type lists the kinds the sources take.
    """
    sources = list(sources)
    location = location.strip()
    path = local_path(location)
    if path is None:
        scheme = urlsplit(location).scheme.lower()
        if scheme in ("http", "https"):
            return f"no host in URL {location!r} (write it as https://host/path)"
        return f"unsupported URL scheme {scheme!r} (use http:// or https://)"
    path = path.resolve()
    if not path.exists():
        first, slash, _rest = location.partition("/")
        if slash and "." in first.strip(".") and not location.startswith((".", "~")):
            # "example.com/rss.xml": a web address written without its scheme.
            return f"file not found: {path} (for a web address, write https://{location})"
        return f"file not found: {path}"
    accepted = accepted_locations(sources)
    if path.is_dir():
        return f"no file kabar ingests in the folder {path}; kabar ingests {accepted}"
    suffix = path.suffix.lower()
    if suffix == ".gz":
        suffix = "".join(path.suffixes[-2:]).lower()
    kind = f"file type {suffix}" if suffix else "file without a suffix"
    return f"unsupported {kind} ({path}); kabar ingests {accepted}"


def iter_files(root: Path, suffixes: tuple[str, ...], *, max_files: int) -> Iterator[Path]:
    """Files under ``root`` (or ``root`` itself) whose name ends in ``suffixes``, in a stable order.

    Symlinked folders are not followed, so a link loop cannot make the walk endless.
    """
    if root.is_file():
        yield root
        return
    count = 0
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders.sort()
        for name in sorted(names):
            if name.lower().endswith(suffixes) and not name.startswith("."):
                count += 1
                if count > max_files:
                    return
                yield Path(folder) / name


def parse_datetime(value: object) -> dt.datetime | None:
    """A W3C/ISO 8601 date or datetime (as sitemaps write them) as an aware datetime; None if unreadable.

    Dates without a zone are taken as UTC; a bare date is its midnight.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    try:
        parsed.astimezone(dt.UTC)  # "0001-01-01T00:00+14:00" is valid ISO but no UTC time: storing it fails
    except OverflowError:
        return None
    return parsed


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def looks_like_feed(location: str) -> bool:
    """A URL whose path reads like an RSS/Atom feed (``/rss``, ``/feed/``, ``news.atom``, ``rss.xml``)."""
    path = url_path(location)
    if "sitemap" in path:
        return False
    if path.endswith((".rss", ".atom")):
        return True
    return any(token in _FEED_TOKENS for token in re.split(r"[/._-]+", path))


def looks_like_sitemap(location: str) -> bool:
    """A URL whose path reads like a sitemap: it says so, or it is XML that does not look like a feed."""
    path = url_path(location)
    return "sitemap" in path or (path.endswith((".xml", ".xml.gz")) and not looks_like_feed(location))


_FEED_TOKENS = frozenset({"rss", "atom", "feed", "feeds", "rss2"})


def language_code(value: str | None) -> str | None:
    """A language tag as kabar stores it: ``"vi-VN"`` -> ``"vi"``, ``"vie,eng"`` -> ``"vi"`` (the first listed)."""
    if not value or not value.strip():
        return None
    return normalize_code(re.split(r"[,;\s]+", value.strip())[0])
