"""Per-tag versions in Django's cache: a page stored with its tags' versions is valid while they match.

A version is the time of the bump (microseconds, hex) and a random suffix, so two processes
bumping at once never write the same value, and a page's Last-Modified is its newest tag's
bump. A tag with no version yet (never bumped, or evicted) gets one the first time a page asks:
an evicted tag can only make pages look newer, never let a stale one pass.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping

from django.core.cache import cache

KEY_PREFIX = "pc:tag:"
# Versions outlive any stored page (KABAR_PAGE_CACHE_TTL); one that expires only invalidates.
VERSION_TTL = 30 * 24 * 3600


def key(tag: str) -> str:
    return KEY_PREFIX + tag


def new_version() -> str:
    return f"{time.time_ns() // 1000:x}.{secrets.token_hex(3)}"


def bumped_at(version: str) -> float:
    """Seconds since the epoch at which ``version`` was made."""
    return int(version.split(".", 1)[0], 16) / 1_000_000


def current(tags: Iterable[str]) -> dict[str, str]:
    """Every tag's version, giving one to those that have none (one get_many, and an add per new tag)."""
    tags = list(tags)
    found: dict[str, str] = cache.get_many([key(t) for t in tags])
    versions = {}
    for tag in tags:
        version = found.get(key(tag))
        if version is None:
            version = new_version()
            # add, not set: a bump made meanwhile by another process must win.
            if not cache.add(key(tag), version, VERSION_TTL):
                version = cache.get(key(tag)) or version
        versions[tag] = version
    return versions


def still_current(versions: Mapping[str, str]) -> bool:
    """True when every tag still has the version a page was stored with (one get_many)."""
    if not versions:
        return True
    found = cache.get_many([key(t) for t in versions])
    return all(found.get(key(tag)) == version for tag, version in versions.items())


def bump(tags: Iterable[str]) -> dict[str, str]:
    """Give each tag a new version: every page stored with the old one is stale from now on."""
    versions = {tag: new_version() for tag in tags}
    if versions:
        cache.set_many({key(t): v for t, v in versions.items()}, VERSION_TTL)
    return versions
