"""CDN and reverse-proxy purgers (``kabar.purgers`` entry points; ``KABAR_CDN_PURGERS`` options).

Each sends the page cache's tags the way its service expects, in chunks the service accepts,
with a bounded timeout, and raises ``PurgeFailed`` on anything but success:

* **Varnish**: ``BAN`` to each URL with ``X-Ban-Tags: (^|\\s)(tag1|tag2)(\\s|$)``, a regex on the
  pages' ``Surrogate-Key`` header for the VCL to ``ban()`` (README shows the VCL);
* **Fastly**: surrogate-key purge, soft by default: ``POST /service/{id}/purge`` with
  ``Fastly-Key``, ``Fastly-Soft-Purge: 1`` and ``Surrogate-Key: tag1 tag2`` (at most 256 keys);
* **Cloudflare**: ``POST /client/v4/zones/{zone}/purge_cache`` ``{"tags": [...]}`` with a Bearer
  token (at most 30 tags a request); Cloudflare reads the pages' ``Cache-Tag`` header.

``base_url`` (Fastly, Cloudflare) points a purger elsewhere than the public API: a test's fake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

import httpx

from kabar.core.errors import NotConfigured

DEFAULT_TIMEOUT = 10.0
_TAG = re.compile(r"^[A-Za-z0-9:._-]+$")


class PurgeFailed(Exception):
    pass


def _chunks(tags: Sequence[str], size: int) -> Iterator[list[str]]:
    for tag in tags:
        if not _TAG.match(tag):
            raise ValueError(f"not a cache tag: {tag!r}")
    for start in range(0, len(tags), size):
        yield list(tags[start : start + size])


def _check(response: httpx.Response, what: str) -> None:
    if not response.is_success:
        raise PurgeFailed(f"{what} answered {response.status_code}: {response.text[:200]}")


class VarnishPurger:
    name: ClassVar[str] = "varnish"
    TAGS_PER_BAN = 100

    def __init__(
        self, urls: Sequence[str] | str = (), header: str = "X-Ban-Tags", timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        if not self.urls:
            raise NotConfigured('no Varnish address (KABAR_CDN_PURGERS {"varnish": {"urls": [...]}})')
        self.header = header
        self.timeout = timeout

    @staticmethod
    def pattern(tags: Sequence[str]) -> str:
        return r"(^|\s)(" + "|".join(re.escape(t) for t in tags) + r")(\s|$)"

    def purge(self, tags: Sequence[str]) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            for chunk in _chunks(tags, self.TAGS_PER_BAN):
                for url in self.urls:
                    _check(client.request("BAN", url, headers={self.header: self.pattern(chunk)}), url)


class FastlyPurger:
    name: ClassVar[str] = "fastly"
    KEYS_PER_PURGE = 256  # Fastly's limit for one surrogate-key purge

    def __init__(
        self,
        service_id: str = "",
        token: str = "",
        base_url: str = "https://api.fastly.com",
        soft: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not (service_id and token):
            raise NotConfigured(
                'no Fastly service (KABAR_CDN_PURGERS {"fastly": {"service_id": …, "token": …}})'
            )
        self.url = f"{base_url.rstrip('/')}/service/{service_id}/purge"
        self.token = token
        self.soft = soft
        self.timeout = timeout

    def purge(self, tags: Sequence[str]) -> None:
        headers = {"Fastly-Key": self.token, "Accept": "application/json"}
        if self.soft:  # marks pages stale (served while refetched) rather than dropping them
            headers["Fastly-Soft-Purge"] = "1"
        with httpx.Client(timeout=self.timeout) as client:
            for chunk in _chunks(tags, self.KEYS_PER_PURGE):
                _check(client.post(self.url, headers={**headers, "Surrogate-Key": " ".join(chunk)}), "Fastly")


class CloudflarePurger:
    name: ClassVar[str] = "cloudflare"
    TAGS_PER_PURGE = 30

    def __init__(
        self,
        zone: str = "",
        token: str = "",
        base_url: str = "https://api.cloudflare.com",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not (zone and token):
            raise NotConfigured(
                'no Cloudflare zone (KABAR_CDN_PURGERS {"cloudflare": {"zone": …, "token": …}})'
            )
        self.url = f"{base_url.rstrip('/')}/client/v4/zones/{zone}/purge_cache"
        self.token = token
        self.timeout = timeout

    def purge(self, tags: Sequence[str]) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(timeout=self.timeout) as client:
            for chunk in _chunks(tags, self.TAGS_PER_PURGE):
                response = client.post(self.url, headers=headers, json={"tags": chunk})
                _check(response, "Cloudflare")
                try:
                    ok = response.json().get("success") is True
                except ValueError:
                    ok = False
                if not ok:
                    raise PurgeFailed(f"Cloudflare did not report success: {response.text[:200]}")
