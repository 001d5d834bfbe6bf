"""JSON over HTTP for the remote MT engines, with bounded retries.

Translation servers shed load with 429 and 5xx answers, often with a
``Retry-After`` header: those are retried after the wait the server asks for
(or an exponential backoff), a bounded number of times. A server that asks for
a longer wait than ``max_wait`` is given up on at once, so a worker never
sleeps for minutes on one batch. A read timeout is not retried: a server that
could not answer in ``timeout`` seconds is overloaded or the batch is too big,
and waiting again would only double the delay. Bodies are read up to a size cap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from kabar.core.errors import TooLarge
from kabar.core.fetch.retry_after import retry_after_seconds
from kabar.core.translate.mt import STAGE, TranslationError

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2  # further attempts after the first
    backoff: float = 1.0  # first wait when the server names none; doubles each time
    max_wait: float = 30.0  # longest single wait honoured
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def wait_before(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 0)."""
        return retry_after if retry_after is not None else self.backoff * 2**attempt


class JsonClient:
    """Sends JSON requests to one server on behalf of one engine."""

    def __init__(
        self,
        engine: str,
        base_url: str,
        *,
        timeout: float,
        policy: RetryPolicy,
        headers: Mapping[str, str] | None = None,
        max_response_bytes: int = 20_000_000,
    ) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.policy = policy
        self.max_response_bytes = max_response_bytes
        self._client = httpx.Client(timeout=timeout, headers=dict(headers or {}), follow_redirects=True)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, payload: Any = None) -> Any:
        """The decoded JSON answer, or ``TranslationError`` saying what went wrong."""
        url = self.base_url + path
        for attempt in range(self.policy.retries + 1):
            last_try = attempt == self.policy.retries
            try:
                status, headers, body = self._send(method, url, payload)
            except httpx.TimeoutException as exc:
                if isinstance(exc, httpx.ConnectTimeout) and not last_try:
                    self.policy.sleep(self.policy.wait_before(attempt, None))
                    continue
                raise TranslationError(
                    f"{self.engine} at {url} did not answer within {self.timeout:g}s"
                ) from None
            except httpx.TransportError as exc:
                if not last_try:
                    self.policy.sleep(self.policy.wait_before(attempt, None))
                    continue
                raise TranslationError(f"{self.engine} could not reach {url}: {exc}") from None
            if status in RETRY_STATUSES:
                tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                if last_try:
                    raise TranslationError(f"{self.engine} at {url} answered HTTP {status} after {tries}")
                wait = self.policy.wait_before(attempt, retry_after_seconds(headers.get("retry-after")))
                if wait > self.policy.max_wait:
                    raise TranslationError(
                        f"{self.engine} at {url} answered HTTP {status} and asked to retry after {wait:g}s, "
                        f"longer than the {self.policy.max_wait:g}s kabar waits"
                    )
                self.policy.sleep(wait)
                continue
            if status >= 400:
                raise TranslationError(f"{self.engine} at {url} answered HTTP {status}: {_error_text(body)}")
            try:
                return json.loads(body)
            except ValueError:
                raise TranslationError(
                    f"{self.engine} at {url} answered with something that is not JSON: {_snippet(body)}"
                ) from None
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _send(self, method: str, url: str, payload: Any) -> tuple[int, httpx.Headers, bytes]:
        with self._client.stream(method, url, json=payload) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise TooLarge(
                        f"{self.engine} at {url} sent more than {self.max_response_bytes:,} bytes",
                        stage=STAGE,
                    )
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)


def _error_text(body: bytes) -> str:
    """The server's own error message when it sent one (LibreTranslate and OpenAI shapes)."""
    try:
        data = json.loads(body)
    except ValueError:
        return _snippet(body)
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        if error:
            return str(error)[:300]
    return _snippet(body)


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return repr(text[:200]) if text else "(empty body)"
