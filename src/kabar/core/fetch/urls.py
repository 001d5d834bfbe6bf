"""Addresses taken from document content: which ones kabar accepts, and which name the same site.

Pages, feeds and captures are untrusted input. An address they declare may
end up as an ``<a href>`` on the reader site (``javascript:`` would run
there), as the key an article is stored under, or as a file the image
downloader reads, so every such address goes through here first.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

# Host name labels that name the same site as the bare host: its desktop, mobile and AMP editions.
SAME_SITE_PREFIXES = ("www.", "m.", "amp.")


def is_http_url(location: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(location.strip())
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def http_url(value: str) -> str:
    """``value`` (trimmed) when it is an absolute http(s) URL, else ""."""
    return value.strip() if is_http_url(value) else ""


def site_host(url: str) -> str:
    """The host of an http(s) URL as a site: lower-cased, without a www./m./amp. label; "" if none."""
    if not is_http_url(url):
        return ""
    host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    for prefix in SAME_SITE_PREFIXES:
        # "www.example" is a whole name, not "example" with a prefix.
        if host.startswith(prefix) and "." in host[len(prefix) :]:
            return host[len(prefix) :]
    return host


def same_site(url: str, other: str) -> bool:
    """True when two http(s) URLs are on the same host, or on its www., m. or amp. name.

    Other subdomains do not count: ``someone.blogs.example`` and
    ``blogs.example`` are often run by different people (hosted blogs), and
    telling an organisation's subdomains from a platform's would need the
    public-suffix list and then some.
    """
    host = site_host(url)
    return bool(host) and host == site_host(other)


def local_file_within(url: str, folder: Path) -> Path | None:
    """The local path a ``file:`` URL names, if it lies inside ``folder`` (links resolved); else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None  # "file://otherhost/..." is another machine's file
    try:
        path = Path(unquote(parts.path)).resolve()
        root = folder.resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte in the path
        return None
    return path if path.is_relative_to(root) else None
