"""robots.txt: fetched once per site, cached on the fetcher, consulted before each request.

What an answer means (RFC 9309 where it speaks, common crawler practice where
it leaves room):

* 2xx: the rules apply; only the first ``max_bytes`` are read (RFC 9309 lets
  crawlers ignore what lies past a size limit of at least 500 KiB).
* 4xx (including 401/403): there are no rules, everything is allowed.
* 5xx: the site is up but unwell; everything is disallowed until the short
  failure TTL passes, so kabar backs off instead of crawling a struggling site.
* unreachable (connection refused, timeout, DNS failure): treated as no
  robots.txt. The page request that follows meets the same network and reports
  the real error; refusing here would only hide it behind a robots message.
* refused by the SSRF guard: the refusal is raised, since the page shares the host.

Rules are matched with protego when it is installed (it understands ``*`` and
``$`` wildcards as Google does), else with ``urllib.robotparser``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from kabar.core.fetch.fetch_errors import FetchError, FetchRefused, RobotsDisallowed

RobotsRules = Callable[[str], bool]
"""``rules(url)`` -> whether kabar may fetch ``url``."""

RobotsDownload = Callable[[str], tuple[int, bytes]]
"""``download(robots_url)`` -> ``(status, body)``; raises ``FetchError`` when unreachable."""


def product_token(user_agent: str) -> str:
    """``"kabar/0.1 (+https://…/bot)"`` -> ``"kabar"``: robots.txt groups name the product, not the whole string."""
    return (user_agent.split("/", 1)[0].split() or ["*"])[0]


def parse_rules(text: str, user_agent: str, *, prefer_protego: bool = True) -> RobotsRules:
    """Compile robots.txt ``text`` into a predicate for ``user_agent``."""
    token = product_token(user_agent)
    if prefer_protego:
        try:
            from protego import Protego
        except ImportError:
            pass
        else:
            parsed = Protego.parse(text)
            return lambda url: bool(parsed.can_fetch(url, token))
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    return lambda url: parser.can_fetch(token, url)


def _allow_all(url: str) -> bool:
    return True


def _disallow_all(url: str) -> bool:
    return False


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


@dataclass(frozen=True)
class _Entry:
    rules: RobotsRules
    why_disallowed: str  # the reason given when ``rules`` says no
    expires: float


class RobotsCache:
    """Per-site robots.txt rules for one fetcher; thread-safe, one download per site at a time."""

    def __init__(
        self,
        user_agent: str,
        *,
        ttl: float = 86_400.0,
        failure_ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user_agent = user_agent
        self._ttl = ttl  # RFC 9309: a cached robots.txt should not be used for more than 24 hours
        self._failure_ttl = failure_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._site_locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, _Entry] = {}

    def check(self, url: str, download: RobotsDownload) -> None:
        """Raise ``RobotsDisallowed`` if the site's robots.txt forbids ``url``; ``download`` fetches it when needed."""
        entry = self._entry(robots_url(url), download)
        if not entry.rules(url):
            raise RobotsDisallowed(entry.why_disallowed, url=url)

    def _entry(self, location: str, download: RobotsDownload) -> _Entry:
        with self._lock:
            site_lock = self._site_locks.setdefault(location, threading.Lock())
        with site_lock:
            entry = self._entries.get(location)
            if entry is None or entry.expires <= self._clock():
                entry = self._load(location, download)
                self._entries[location] = entry
            return entry

    def _load(self, location: str, download: RobotsDownload) -> _Entry:
        now = self._clock()
        try:
            status, body = download(location)
        except FetchRefused:
            raise
        except FetchError:
            return _Entry(_allow_all, "", now + self._failure_ttl)
        if 200 <= status < 300:
            rules = parse_rules(body.decode("utf-8", errors="replace"), self.user_agent)
            return _Entry(rules, f"disallowed by {location}", now + self._ttl)
        if status >= 500:
            reason = f"{location} answered HTTP {status}; the site is treated as disallowed for now"
            return _Entry(_disallow_all, reason, now + self._failure_ttl)
        return _Entry(_allow_all, "", now + self._ttl)  # 4xx, or redirects that never ended
