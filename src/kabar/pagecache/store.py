"""Stored pages: the key a request is kept under, the entry, and the hit/miss counters.

An entry is the final response (status, headers, body) with the versions its tags had *before*
the page was rendered, its ETag and Last-Modified. It is served only while every one of those
versions is still current: one ``get_many`` per hit (the entry and the tag generation, see
``versions``; the tags' own versions too when the process has not read them yet), no query.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response

import kabar
from kabar.pagecache import versions as tag_versions

# The query parameters a stored page is keyed by (list pages: a page number, or the keyset
# cursors of deep pages); tracking parameters a shared link carries are left out of the key (the
# page does not depend on them: a viral link with ?fbclid= must hit).
KEY_PARAMETERS = frozenset({"page", "before", "after"})
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga"})
TRACKING_PREFIXES = ("utm_",)


def page_key(request: HttpRequest) -> str | None:
    """The cache key of the page a GET or HEAD asks for; None when it must not come from the cache.

    Any other parameter (``?compare=``, ``?q=`` …) may change the page, so it is never served
    stored. The host is in the key only to be safe: pages write absolute URLs from KABAR_SITE_URL.
    GET and HEAD share an entry (a HEAD answer is the GET one without its body).
    """
    kept = []
    for name, values in sorted(request.GET.lists()):
        if name in KEY_PARAMETERS:
            kept.append(f"{name}={'&'.join(values)}")
        elif name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES):
            continue
        else:
            return None
    wanted = f"{request.get_host()}{request.path}?{'&'.join(kept)}"
    # The version is in the key: an upgrade's templates never meet a page the old ones rendered.
    return f"pc:page:{kabar.__version__}:{hashlib.sha256(wanted.encode()).hexdigest()}"


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    versions: Mapping[str, str]
    etag: str
    last_modified: float

    def response(self, request: HttpRequest) -> HttpResponseBase:
        """The stored page, or 304 when the reader's copy is this one."""
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        conditional = get_conditional_response(
            request, etag=self.etag, last_modified=int(self.last_modified), response=response
        )
        return conditional if conditional is not None else response


class _Recent:
    """The pages this process served last, kept in memory for a short while (a viral page is read
    from the shared cache once a minute per process, not at every request). A copy is served only
    while its tags' versions are current, checked the same way as for a page from the shared cache."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple[float, Entry]] = OrderedDict()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return found[1]

    def put(self, key: str, entry: Entry) -> None:
        keep = min(RECENT_SECONDS, settings.PAGE_CACHE["ttl"])
        with self.lock:
            self.entries[key] = (time.monotonic() + keep, entry)
            self.entries.move_to_end(key)
            while len(self.entries) > RECENT_PAGES:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


RECENT_PAGES = 256
RECENT_SECONDS = 60.0
_recent = _Recent()


def lookup(key: str) -> Entry | None:
    """The entry under ``key`` if all its tags are still at the versions it was stored with.

    A page this process served lately costs one read (the generation); another, one ``get_many``.
    """
    entry = _recent.get(key)
    if entry is not None:
        generation = cache.get(tag_versions.GENERATION_KEY)
        if tag_versions.still_current(entry.versions, generation):
            return entry
    found = cache.get_many([key, tag_versions.GENERATION_KEY])
    entry = found.get(key)
    if not isinstance(entry, Entry):
        return None
    if not tag_versions.still_current(entry.versions, found.get(tag_versions.GENERATION_KEY)):
        return None
    _recent.put(key, entry)
    return entry


def save(
    key: str, response: HttpResponse, versions: Mapping[str, str], etag: str, last_modified: float
) -> None:
    headers = tuple((k, v) for k, v in response.items() if k.lower() != "set-cookie")
    entry = Entry(response.status_code, headers, response.content, dict(versions), etag, last_modified)
    cache.set(key, entry, settings.PAGE_CACHE["ttl"])
    _recent.put(key, entry)


def forget_recent() -> None:
    """Empty this process's copies (the shared cache was cleared: tests, `kabar purge --all`)."""
    _recent.clear()
    tag_versions.forget()


# Counters are counted in the process and added to the cache's at most once a second, so that
# a hit costs no write; `kabar stats` reads the cache's (every process's) totals.
COUNTERS = ("hit", "not_modified", "miss", "stored", "bypass", "bumped_tags", "purged", "purge_failed")
FLUSH_SECONDS = 1.0
_COUNTER_KEY = "pc:stats:"


class _Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[str, int] = {}
        self.flushed_at = time.monotonic()

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.pending[name] = self.pending.get(name, 0) + n
            due = time.monotonic() - self.flushed_at >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
            self.flushed_at = time.monotonic()
        for name, n in pending.items():
            try:
                cache.add(_COUNTER_KEY + name, 0, None)
                cache.incr(_COUNTER_KEY + name, n)
            except Exception:  # noqa: BLE001 - a counter must never fail a page (evicted between add and incr)
                continue


_counts = _Counts()
count = _counts.add
atexit.register(_counts.flush)


def totals() -> dict[str, int]:
    """Every process's counters (this one's flushed first)."""
    _counts.flush()
    found = cache.get_many([_COUNTER_KEY + n for n in COUNTERS])
    return {n: int(found.get(_COUNTER_KEY + n, 0)) for n in COUNTERS}


def reset_totals() -> None:
    with _counts.lock:
        _counts.pending = {}
    cache.delete_many([_COUNTER_KEY + n for n in COUNTERS])
