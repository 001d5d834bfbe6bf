"""Time and politeness bounds for the fetcher: one fetch's deadline, and per-host pacing.

``HostThrottle`` is state on one ``Fetcher`` (never module-global), shared by
every thread that fetches through it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kabar.core.fetch.fetch_errors import FetchTimeout


class Deadline:
    """Seconds left for one fetch."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def check(self, url: str) -> None:
        if self.remaining() <= 0:
            raise FetchTimeout(f"timed out after {self.seconds:g}s (the whole fetch)", url=url)


class HostThrottle:
    """Per-host politeness: at most ``concurrency`` requests in flight, starts ``delay`` seconds apart."""

    def __init__(self, delay: float, concurrency: int) -> None:
        self.delay = delay
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str, deadline: Deadline, url: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.concurrency))
        if not semaphore.acquire(timeout=deadline.remaining()):
            raise FetchTimeout(f"timed out after {deadline.seconds:g}s waiting for a turn at {host}", url=url)
        try:
            with self._lock:  # reserve a start time, then sleep outside the lock
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + self.delay
            wait = start - now
            if wait > deadline.remaining():
                raise FetchTimeout(
                    f"timed out after {deadline.seconds:g}s waiting for a turn at {host}", url=url
                )
            if wait > 0:
                time.sleep(wait)
            yield
        finally:
            semaphore.release()

    def defer(self, host: str, seconds: float) -> None:
        """Start nothing at ``host`` for ``seconds`` (it sent Retry-After)."""
        with self._lock:
            until = time.monotonic() + seconds
            self._next_start[host] = max(self._next_start.get(host, until), until)
