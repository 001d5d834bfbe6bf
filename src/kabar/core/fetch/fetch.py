"""The fetcher: one polite, bounded, SSRF-guarded HTTP GET per call.

``Fetcher(policy).fetch(url)`` returns ``kabar.core.types.Fetched`` or raises a
``FetchError`` subclass whose ``reason`` an operator can act on. Everything a
hostile or broken server could use to hurt a worker is bounded: connect and
read timeouts, an overall deadline, the body size (checked while streaming, on
the decompressed bytes), the number of redirects and of 429/503 retries.

Redirects are followed by hand so that each hop passes the SSRF guard (the
connection itself is pinned to the checked address, see ``kabar.core.fetch.ssrf``)
and robots.txt of the hop's site. Per-host politeness (a delay between request
starts and a cap on parallel requests) is state on the fetcher, shared by all
threads that use it. The fetcher is synchronous: kabar calls it from task workers.
"""

from __future__ import annotations

import http
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from types import TracebackType
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx

from kabar.core.fetch.charset import decode_body, media_type
from kabar.core.fetch.fetch_decode import ACCEPT_ENCODING, DecodeError, decoded_pieces
from kabar.core.fetch.fetch_errors import (
    FetchError,
    FetchRefused,
    FetchTimeout,
    FetchTooLarge,
    HTTPStatusError,
    RobotsDisallowed,
)
from kabar.core.fetch.fetch_throttle import Deadline, HostThrottle
from kabar.core.fetch.retry_after import retry_after_seconds
from kabar.core.fetch.robots import RobotsCache
from kabar.core.fetch.ssrf import AddressGuard, GuardedBackend, Resolver
from kabar.core.types import Fetched

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchPolicy",
    "FetchRefused",
    "FetchTimeout",
    "FetchTooLarge",
    "Fetcher",
    "HTTPStatusError",
    "HostThrottle",
    "RobotsDisallowed",
]

DEFAULT_USER_AGENT = "kabar/0.1 (+https://kabar.invalid/bot)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_LATER = frozenset({429, 503})
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class FetchPolicy:
    """How the fetcher behaves. Times are seconds, sizes bytes."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence while waiting for data
    deadline: float = 60.0  # the whole fetch: robots.txt, redirects, retries, body
    max_bytes: int = 10_000_000  # decompressed body
    max_redirects: int = 5
    host_delay: float = 1.0  # between two request starts to one host
    host_concurrency: int = 2  # requests in flight to one host
    respect_robots: bool = True
    allow_private: bool = False  # an outlet on the LAN or loopback (the demo outlet)
    allowed_networks: tuple[str, ...] = ()  # CIDRs opened even without allow_private
    max_retries: int = 2  # extra tries after a 429/503 that sent Retry-After
    max_retry_wait: float = 30.0  # a longer Retry-After is reported, not waited for
    robots_max_bytes: int = 512_000
    robots_ttl: float = 86_400.0

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "deadline", "max_bytes", "host_concurrency"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FetchPolicy.{name} must be positive")
        for name in ("max_redirects", "host_delay", "max_retries", "max_retry_wait"):
            if getattr(self, name) < 0:
                raise ValueError(f"FetchPolicy.{name} must not be negative")

    @classmethod
    def from_settings(cls, values: Mapping[str, Any] | None = None, **overrides: Any) -> FetchPolicy:
        """The policy kabar's settings table describes (``KABAR_FETCH_*``), with ``overrides`` on top."""
        if values is None:
            from kabar.config import env_values

            values = env_values()
        timeout = float(values["KABAR_FETCH_TIMEOUT"])
        policy = cls(
            user_agent=str(values["KABAR_USER_AGENT"]),
            connect_timeout=timeout,
            read_timeout=timeout,
            deadline=3 * timeout,
            max_bytes=int(values["KABAR_FETCH_MAX_BYTES"]),
            host_delay=float(values["KABAR_FETCH_HOST_DELAY"]),
        )
        return policy.with_options(overrides)

    def with_options(self, options: Mapping[str, Any]) -> FetchPolicy:
        """A copy with the named fields changed; unknown names are an error, not silently ignored."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown fetch option(s): {', '.join(unknown)}")
        if "allowed_networks" in options:
            options = {**options, "allowed_networks": tuple(options["allowed_networks"])}
        return replace(self, **options)


@dataclass(frozen=True)
class _Answer:
    url: str
    status: int
    headers: httpx.Headers
    content: bytes


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport on a connection pool whose sockets open only to guard-approved addresses."""

    def __init__(self, guard: AddressGuard, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx does not take a network backend, so the pool it built is swapped
        # for the same pool on the guarded backend (httpx 0.28 keeps it in
        # ``_pool``). Should a later httpx move it, fail loudly here rather than
        # fetch unguarded; tests/core/fetch/test_ssrf.py would fail too.
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("this httpx version keeps no _pool; the SSRF guard cannot be installed")
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )


class Fetcher:
    """Fetches URLs under a ``FetchPolicy``. Thread-safe; close it (or use ``with``) when done."""

    def __init__(self, policy: FetchPolicy | None = None, *, resolver: Resolver | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.guard = AddressGuard.build(
            allow_private=self.policy.allow_private,
            allowed_networks=self.policy.allowed_networks,
            resolver=resolver,
        )
        self.throttle = HostThrottle(self.policy.host_delay, self.policy.host_concurrency)
        self.robots = RobotsCache(self.policy.user_agent, ttl=self.policy.robots_ttl)
        self._client = httpx.Client(
            transport=_GuardedTransport(
                self.guard, httpx.Limits(max_connections=100, max_keepalive_connections=20)
            ),
            trust_env=False,
            follow_redirects=False,
            headers={
                "User-Agent": self.policy.user_agent,
                "Accept": _ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,  # what fetch_decode undoes in bounded pieces
            },
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET ``url``. With ``etag``/``last_modified`` it is a conditional GET: a 304 gives ``not_modified``."""
        deadline = Deadline(self.policy.deadline)
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        answer = self._get(
            url,
            conditional,
            deadline,
            max_bytes=self.policy.max_bytes,
            truncate=False,
            robots=self.policy.respect_robots,
        )
        headers = answer.headers
        if answer.status == 304:
            return Fetched(
                url=url,
                final_url=answer.url,
                status=304,
                content=b"",
                text="",
                encoding="",
                content_type=media_type(headers.get("content-type")),
                etag=headers.get("etag") or etag,
                last_modified=headers.get("last-modified") or last_modified,
                not_modified=True,
            )
        if not 200 <= answer.status < 300:
            raise HTTPStatusError(_status_text(answer.status), status=answer.status, url=answer.url)
        text, encoding = decode_body(answer.content, headers.get("content-type"))
        return Fetched(
            url=url,
            final_url=answer.url,
            status=answer.status,
            content=answer.content,
            text=text,
            encoding=encoding,
            content_type=media_type(headers.get("content-type")),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )

    def _get(
        self,
        url: str,
        conditional: Mapping[str, str],
        deadline: Deadline,
        *,
        max_bytes: int,
        truncate: bool,
        robots: bool,
    ) -> _Answer:
        """Follow redirects by hand, checking every hop; the last answer, whatever its status."""
        current = urldefrag(url)[0]
        seen = {current}
        headers = dict(conditional)
        for _hop in range(self.policy.max_redirects + 1):
            self.guard.check_url(current)
            if robots:
                self.robots.check(current, lambda location: self._download_robots(location, deadline))
            answer = self._request(current, headers, deadline, max_bytes=max_bytes, truncate=truncate)
            if answer.status not in _REDIRECTS:
                return answer
            location = answer.headers.get("location")
            if not location:
                raise HTTPStatusError(
                    f"HTTP {answer.status} redirect without a Location header",
                    status=answer.status,
                    url=current,
                )
            target = urldefrag(urljoin(current, location.strip()))[0]
            if target in seen:
                raise HTTPStatusError(f"redirect loop at {target}", status=answer.status, url=url)
            seen.add(target)
            if urlsplit(target).netloc != urlsplit(current).netloc:
                headers = {}  # validators belong to the first site's copy
            current = target
        raise HTTPStatusError(
            f"too many redirects (more than {self.policy.max_redirects}) from {url}",
            status=answer.status,
            url=url,
        )

    def _request(
        self, url: str, headers: Mapping[str, str], deadline: Deadline, *, max_bytes: int, truncate: bool
    ) -> _Answer:
        """One URL, retried after 429/503 when the server says when (Retry-After) and that is soon enough."""
        host = urlsplit(url).netloc.lower()
        for attempt in range(self.policy.max_retries + 1):
            deadline.check(url)
            with self.throttle.slot(host, deadline, url), self._stream(url, headers, deadline) as response:
                status = response.status_code
                if status in _RETRY_LATER:
                    wait = retry_after_seconds(response.headers.get("retry-after"))
                    refusal = self._retry_refusal(status, wait, attempt, deadline)
                    if refusal:
                        raise HTTPStatusError(refusal, status=status, url=url)
                    assert wait is not None
                    self.throttle.defer(host, wait)
                    continue
                content = b""
                if 200 <= status < 300:
                    content = self._read_body(response, url, deadline, max_bytes=max_bytes, truncate=truncate)
                return _Answer(url, status, response.headers, content)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _retry_refusal(self, status: int, wait: float | None, attempt: int, deadline: Deadline) -> str | None:
        """Why not to retry after a 429/503 (a clear reason), or None to retry."""
        text = _status_text(status)
        if wait is None:
            return f"{text} without Retry-After"
        if wait > self.policy.max_retry_wait:
            return f"{text}: the server asks to wait {wait:g}s, more than the {self.policy.max_retry_wait:g}s kabar waits"
        if attempt >= self.policy.max_retries:
            return f"{text}: still refused after {attempt} retries"
        if wait >= deadline.remaining():
            return f"{text}: waiting {wait:g}s would pass the {deadline.seconds:g}s deadline"
        return None

    @contextmanager
    def _stream(self, url: str, headers: Mapping[str, str], deadline: Deadline) -> Iterator[httpx.Response]:
        remaining = deadline.remaining()
        policy = self.policy
        timeout = httpx.Timeout(
            connect=min(policy.connect_timeout, remaining),
            read=min(policy.read_timeout, remaining),
            write=min(policy.read_timeout, remaining),
            pool=remaining,
        )
        host = urlsplit(url).hostname or url
        try:
            with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
                yield response
        except FetchError as exc:
            exc.url = exc.url or url
            raise
        except httpx.ConnectTimeout:
            raise FetchTimeout(
                f"connecting to {host} timed out after {timeout.connect:g}s", url=url
            ) from None
        except httpx.TimeoutException:
            raise FetchTimeout(f"timed out after {timeout.read:g}s waiting for {host}", url=url) from None
        except httpx.ConnectError as exc:
            raise FetchError(f"cannot connect to {host}: {exc}", url=url, transient=True) from None
        except httpx.DecodingError as exc:
            raise FetchError(f"cannot decompress the body: {exc}", url=url) from None
        except httpx.InvalidURL as exc:
            raise FetchRefused(f"refused: invalid URL ({exc})", url=url) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", url=url, transient=True) from None

    def _read_body(
        self, response: httpx.Response, url: str, deadline: Deadline, *, max_bytes: int, truncate: bool
    ) -> bytes:
        declared = _content_length(response.headers)
        if declared is not None and declared > max_bytes and not truncate:
            raise FetchTooLarge(
                f"body larger than {max_bytes:,} bytes (Content-Length: {declared:,})", url=url
            )
        body = bytearray()
        try:
            # Decompressed in bounded pieces (not httpx's iter_bytes, which expands a
            # whole network read at once), so a compression bomb is stopped by the same cap.
            for chunk in decoded_pieces(response.headers.get("content-encoding"), response.iter_raw()):
                body += chunk
                if len(body) > max_bytes:
                    if truncate:
                        return bytes(body[:max_bytes])
                    raise FetchTooLarge(f"body larger than {max_bytes:,} bytes", url=url)
                deadline.check(url)
        except DecodeError as exc:
            raise FetchError(str(exc), url=url) from None
        except httpx.RemoteProtocolError as exc:
            if declared is not None and response.num_bytes_downloaded < declared:
                raise FetchError(
                    f"truncated body: the connection closed after {response.num_bytes_downloaded:,} "
                    f"of {declared:,} bytes",
                    url=url,
                    transient=True,
                ) from None
            raise FetchError(f"broken response: {exc}", url=url, transient=True) from None
        return bytes(body)

    def _download_robots(self, location: str, deadline: Deadline) -> tuple[int, bytes]:
        """robots.txt for one site, cut at ``robots_max_bytes``; its time counts against the page's deadline."""
        try:
            answer = self._get(
                location, {}, deadline, max_bytes=self.policy.robots_max_bytes, truncate=True, robots=False
            )
        except HTTPStatusError as exc:  # a 429/503 we would not wait for is still an answer about the site
            if exc.status in _RETRY_LATER:
                return exc.status, b""
            raise
        return answer.status, answer.content


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _content_length(headers: httpx.Headers) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None
