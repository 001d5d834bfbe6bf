"""Per-tag versions in Django's cache: a page stored with its tags' versions is valid while they match.

A version is the time of the bump (microseconds, hex) and a random suffix, so two processes
bumping at once never write the same value, and a page's Last-Modified is its newest tag's
bump. A tag with no version yet (never bumped, or evicted) gets one the first time a page asks:
an evicted tag can only make pages look newer, never let a stale one pass.

Each process remembers the versions it has read, for as long as the *generation* (one more
key, changed by every bump and every new version) stays the same: a hit then reads two keys
(the page and the generation, one ``get_many``) whatever the number of its tags. A bump writes
the versions first and the generation last, so a process that sees the old generation sees
the state from before the bump, and one that sees the new one reads the versions again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Mapping

from django.core.cache import cache

KEY_PREFIX = "pc:tag:"
GENERATION_KEY = "pc:generation"
MEMO_LIMIT = 50_000  # tags one process remembers before it starts again
# Versions outlive any stored page (KABAR_PAGE_CACHE_TTL); one that expires only invalidates.
VERSION_TTL = 30 * 24 * 3600


# Ends a version a read gave a tag that had none (never bumped, or evicted), as opposed to a bump's.
MADE_BY_READ = "r"


def key(tag: str) -> str:
    return KEY_PREFIX + tag


def new_version() -> str:
    return f"{time.time_ns() // 1000:x}.{secrets.token_hex(3)}"


def bumped_at(version: str) -> float:
    """Seconds since the epoch at which ``version`` was made."""
    return int(version.split(".", 1)[0], 16) / 1_000_000


class _Memo:
    """The versions this process has read, valid while the generation it read them at is current."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: str | None = None
        self.versions: dict[str, str] = {}

    def known(self, generation: str | None, tags: Iterable[str]) -> dict[str, str] | None:
        with self.lock:
            if generation is None or generation != self.generation:
                return None
            try:
                return {tag: self.versions[tag] for tag in tags}
            except KeyError:
                return None

    def learn(self, generation: str | None, versions: Mapping[str, str]) -> None:
        if generation is None:
            return
        with self.lock:
            if generation != self.generation or len(self.versions) > MEMO_LIMIT:
                self.generation, self.versions = generation, {}
            self.versions.update(versions)

    def forget(self) -> None:
        with self.lock:
            self.generation, self.versions = None, {}


_memo = _Memo()
forget = _memo.forget


def new_generation() -> None:
    cache.set(GENERATION_KEY, new_version(), VERSION_TTL)


def current(tags: Iterable[str]) -> dict[str, str]:
    """Every tag's version, giving one to those that have none (one get_many, and an add per new tag).

    Always read from the cache, never from the memo: these are the versions a page about to be
    rendered is stored with.
    """
    tags = list(tags)
    found: dict[str, str] = cache.get_many([key(t) for t in tags])
    versions = {}
    created = False
    for tag in tags:
        version = found.get(key(tag))
        if version is None:
            version = new_version() + MADE_BY_READ
            # add, not set: a bump made meanwhile by another process must win.
            if cache.add(key(tag), version, VERSION_TTL):
                created = True
            else:
                version = cache.get(key(tag)) or version
        versions[tag] = version
    if created:
        # Another process may remember this tag from before it was evicted: make it read again.
        new_generation()
    return versions


def still_current(versions: Mapping[str, str], generation: str | None) -> bool:
    """True when every tag still has the version a page was stored with.

    ``generation`` is the one read with the page; while it is this process's, no further read.
    """
    if not versions:
        return True
    known = _memo.known(generation, versions)
    if known is None:
        found = cache.get_many([key(t) for t in versions])
        known = {tag: found[key(tag)] for tag in versions if key(tag) in found}
        if generation is None:
            cache.add(GENERATION_KEY, new_version(), VERSION_TTL)
        _memo.learn(generation, known)
    return all(known.get(tag) == version for tag, version in versions.items())


def bumped_since(versions: Mapping[str, str]) -> set[str]:
    """The tags of ``versions`` that ``bump`` has given a newer version since (read only).

    A tag that was evicted, or evicted and given a version by a page's read since, is not one:
    only a bump comes with the static-publishing task that renders its pages again.
    """
    found: dict[str, str] = cache.get_many([key(t) for t in versions])
    return {
        tag
        for tag, version in versions.items()
        if (now := found.get(key(tag))) is not None and now != version and not now.endswith(MADE_BY_READ)
    }


def bump(tags: Iterable[str]) -> dict[str, str]:
    """Give each tag a new version: every page stored with the old one is stale from now on."""
    versions = {tag: new_version() for tag in tags}
    if versions:
        cache.set_many({key(t): v for t, v in versions.items()}, VERSION_TTL)
        new_generation()  # last: see the module docstring
    return versions
