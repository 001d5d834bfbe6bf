"""One webhook POST, bounded and SSRF-guarded, and the retry schedule.

The request goes through the fetcher's guarded transport (``kabar.core.fetch``): the host
is resolved once, every address is checked, and the socket opens to one of exactly those
addresses, so a DNS answer that changes after the subscription was saved (DNS rebinding)
still cannot reach a private address. Redirects are not followed (a receiver that moved
must be re-subscribed at its new URL; following would let a public URL bounce kabar onto a
private one). The whole exchange has one deadline and the answer is read up to a cap: a
receiver cannot hold a worker or fill its memory.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import httpcore
import httpx

from kabar.core.fetch.fetch import DEFAULT_USER_AGENT
from kabar.core.fetch.fetch_errors import FetchRefused
from kabar.core.fetch.ssrf import AddressGuard, GuardedBackend, Resolver
from kabar.news.source_policy import resolve_with_timeout

# After the first attempt, wait about this long before each next one (Standard Webhooks'
# usual schedule); the jitter spreads retries of many deliveries that failed together.
BACKOFF_SECONDS: tuple[float, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How deliveries behave; times in seconds. Django setting ``WEBHOOK_DELIVERY`` overrides fields."""

    timeout: float = 10.0  # connect, send and answer together
    max_response_bytes: int = 64 * 1024  # read of the answer; the rest is not read
    excerpt_chars: int = 1000  # of the answer, kept in the log
    max_attempts: int = len(BACKOFF_SECONDS) + 1
    backoff: tuple[float, ...] = BACKOFF_SECONDS
    jitter: float = 0.2  # each wait is drawn within ±20 % of the schedule
    user_agent: str = DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        if not self.timeout > 0 or self.max_response_bytes <= 0 or self.max_attempts < 1:
            raise ValueError("DeliveryPolicy: timeout, max_response_bytes and max_attempts must be positive")
        if not self.backoff or not 0 <= self.jitter < 1:
            raise ValueError("DeliveryPolicy: backoff must not be empty and jitter must be in [0, 1)")

    @classmethod
    def from_settings(cls) -> DeliveryPolicy:
        from django.conf import settings

        overrides: Mapping[str, Any] = getattr(settings, "WEBHOOK_DELIVERY", {})
        unknown = sorted(set(overrides) - {f.name for f in fields(cls)})
        if unknown:
            raise TypeError(f"unknown WEBHOOK_DELIVERY option(s): {', '.join(unknown)}")
        return replace(cls(), **overrides)

    def retry_delay(self, attempts_made: int, rng: random.Random | None = None) -> dt.timedelta | None:
        """The wait before the next attempt after ``attempts_made`` failed ones; None: give up."""
        if attempts_made >= self.max_attempts:
            return None
        base = self.backoff[min(attempts_made, len(self.backoff)) - 1]
        spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return dt.timedelta(seconds=base * spread)


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the receiver's status and the start of its answer, or why there was none."""

    status_code: int | None = None
    excerpt: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver asks not to be sent anything any more."""
        return self.status_code == 410


def post(
    url: str,
    body: str,
    headers: Mapping[str, str],
    *,
    allow_private: bool,
    policy: DeliveryPolicy,
    resolver: Resolver | None = None,
) -> Outcome:
    """POST ``body`` to ``url``; never raises for anything the receiver or the network does."""
    guard = AddressGuard.build(allow_private=allow_private, resolver=resolver or resolve_with_timeout)
    try:
        guard.check_url(url)
    except FetchRefused as exc:
        return Outcome(error=exc.reason)
    deadline = time.monotonic() + policy.timeout
    request_headers = {
        "Content-Type": "application/json",
        "User-Agent": policy.user_agent,
        "Accept-Encoding": "identity",  # the cap counts bytes on the wire; nothing to decompress
        **headers,
    }
    try:
        with (
            httpx.Client(transport=_DeliveryTransport(guard, deadline), trust_env=False) as client,
            client.stream(
                "POST",
                url,
                content=body.encode(),
                headers=request_headers,
                timeout=httpx.Timeout(policy.timeout),
                follow_redirects=False,
            ) as response,
        ):
            answer = _read_capped(response, policy.max_response_bytes)
            status = response.status_code
            location = response.headers.get("location", "")
    except FetchRefused as exc:  # an address the host resolves to, refused where it connects
        return Outcome(error=exc.reason)
    except httpx.TimeoutException as exc:
        what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the answer"
        return Outcome(error=f"timed out {what} (limit {policy.timeout:g} s for the whole delivery)")
    except httpx.HTTPError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:500])
    # PostgreSQL text cannot hold NUL: a receiver answering binary must not break the log.
    excerpt = answer.decode("utf-8", errors="replace").replace("\x00", "\ufffd")[: policy.excerpt_chars]
    if 300 <= status < 400:
        where = f" to {location}" if location else ""
        error = f"answered {status} (redirect{where}); redirects are not followed: subscribe the final URL"
        return Outcome(status_code=status, excerpt=excerpt, error=error[:500])
    if not 200 <= status < 300:
        return Outcome(status_code=status, excerpt=excerpt, error=f"answered {status}")
    return Outcome(status_code=status, excerpt=excerpt)


def _read_capped(response: httpx.Response, cap: int) -> bytes:
    """Up to ``cap`` bytes of the answer; the rest is left unread (the connection is closed)."""
    got = bytearray()
    for chunk in response.iter_raw():
        got += chunk
        if len(got) >= cap:
            break
    return bytes(got[:cap])


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the delivery's deadline.

    httpx's timeouts bound each wait, not their sum: a receiver sending one byte every few
    seconds (headers included) would never time out. Clamping each wait to what is left of
    one deadline bounds the whole exchange.
    """

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("the delivery's deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._left(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(GuardedBackend):
    """The fetcher's guarded backend (checked addresses only), with every wait bounded by one deadline."""

    def __init__(self, guard: AddressGuard, deadline: float) -> None:
        super().__init__(guard)
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("the delivery's deadline passed")
        timeout = left if timeout is None else min(timeout, left)
        stream = super().connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)


class _DeliveryTransport(httpx.HTTPTransport):
    """httpx's transport on one connection opened by ``_DeadlineBackend`` (see the fetcher's ``_GuardedTransport``)."""

    def __init__(self, guard: AddressGuard, deadline: float) -> None:
        super().__init__(trust_env=False)
        # As in kabar.core.fetch.fetch: httpx takes no network backend, so its pool is swapped for
        # one on the guarded backend; fail loudly rather than deliver unguarded if httpx changes.
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("this httpx version keeps no _pool; the SSRF guard cannot be installed")
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=1,
            max_keepalive_connections=0,
            network_backend=_DeadlineBackend(guard, deadline),
        )
