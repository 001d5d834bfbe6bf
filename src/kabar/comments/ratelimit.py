"""Per-address and per-email limits on new comments, counted in Django's cache (fixed windows).

Rates are ``KABAR_COMMENTS_RATE_IP`` and ``KABAR_COMMENTS_RATE_EMAIL`` (``N/min``, ``N/hour``…).
The counts live in the shared cache (``KABAR_CACHE``), so every process of the site counts
together with the file or Redis cache. Keys hold a digest, never the address itself.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse(rate: str) -> tuple[int, int]:
    """``"10/hour"`` → (10, 3600)."""
    count, unit = rate.split("/", 1)
    return int(count), UNITS[unit]


def valid_ip(value: str | None) -> str | None:
    """The address when it is one (what ``Comment.ip`` can store), else None."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_key(ip: str | None) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64 (one line, many addresses)."""
    address = valid_ip(ip)
    if address is None:
        return ""
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def digest(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def hit(kind: str, value: str | None, rate: str | None) -> int:
    """Count one request; 0 when it is within ``rate``, else the seconds until the window ends."""
    if not rate or not value:
        return 0
    allowed, window = parse(rate)
    now = int(time.time())
    start = now - now % window
    key = f"kabar:comments:rate:{kind}:{digest(value)}:{start}"
    cache.add(key, 0, window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, window + 5)
        count = 1
    return 0 if count <= allowed else start + window - now
