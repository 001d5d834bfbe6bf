"""Reading an HTTP ``Retry-After`` header, shared by the page fetcher and the HTTP MT engines."""

from __future__ import annotations

import datetime as dt
import email.utils


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())
