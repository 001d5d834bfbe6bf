"""Why a fetch failed, as ``StageError`` subclasses with ``stage="fetch"``.

Kept apart from ``fetch`` so that ``ssrf`` and ``robots`` can raise them without
importing the fetcher. ``transient`` tells the ingest layer whether trying the
same URL later may succeed (a timeout, a 503) or not (a 404, a refused address).
"""

from __future__ import annotations

from kabar.core.errors import StageError, StageTimeout, TooLarge


class FetchError(StageError):
    """A URL could not be fetched; ``reason`` says why in words an operator understands."""

    stage = "fetch"
    transient = False

    def __init__(self, reason: str, *, url: str = "", transient: bool | None = None) -> None:
        super().__init__(reason)
        self.url = url
        if transient is not None:
            self.transient = transient


class FetchRefused(FetchError):
    """kabar refused to fetch: a non-public address, a scheme other than http(s)."""


class RobotsDisallowed(FetchRefused):
    """The site's robots.txt forbids the URL for kabar's user agent."""


class HTTPStatusError(FetchError):
    """The server answered with a status kabar cannot use (4xx, 5xx, a broken redirect)."""

    def __init__(self, reason: str, *, status: int, url: str = "", transient: bool | None = None) -> None:
        if transient is None:
            transient = status >= 500 or status in (408, 425, 429)
        super().__init__(reason, url=url, transient=transient)
        self.status = status


class FetchTimeout(FetchError, StageTimeout):
    """Connecting, reading or the whole fetch took too long."""

    transient = True


class FetchTooLarge(FetchError, TooLarge):
    """The body was larger than the policy's ``max_bytes``; the download was aborted."""
