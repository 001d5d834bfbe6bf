"""What a source's location must be before it is saved: the fetcher's own URL policy, checked early.

The fetcher refuses a bad address when it polls (``kabar.core.fetch.ssrf``), but then the
editor learns of it only from a failure row, after the fact. The admin runs the same
guard when a source is saved, so ``htp://…``, a loopback address without approved
private access, or a path that does not exist is a field error at once. The poll still
checks again: DNS answers change, and a source can be changed outside the admin.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpcore
from django.utils.translation import gettext

from kabar.core.fetch import ssrf
from kabar.core.fetch.fetch_errors import FetchRefused
from kabar.core.sources import local_path

WEB_KINDS = frozenset({"feed", "sitemap", "url"})

# Long enough for a healthy resolver, short enough that a dead one does not hang the admin page.
DNS_TIMEOUT_SECONDS = 3.0

_DEFAULT_PORTS = {"http": 80, "https": 443}


class LocationError(ValueError):
    """The location cannot be saved; the message says why and what to do."""


@dataclass(frozen=True)
class LocationCheck:
    """A location that may be saved, with what the editor should still know about it."""

    warnings: list[str] = field(default_factory=list)


def normalised_location(kind: str, url: str) -> str:
    """The form two sources are compared in: same scheme, host and default port however they are written.

    Scheme and host are case-insensitive, a default port and a fragment change nothing
    the fetcher asks for, and an empty path is ``/``. Path and query are kept as they are:
    servers may treat them case-sensitively. File kinds compare their resolved path.
    """
    url = url.strip()
    if kind not in WEB_KINDS:
        path = local_path(url)
        return str(path.resolve()) if path is not None else url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def resolve_with_timeout(host: str, port: int, timeout: float = DNS_TIMEOUT_SECONDS) -> list[str]:
    """``ssrf.system_resolver`` bounded in time; raises ``httpcore.ConnectError`` when it fails or is slow.

    ``getaddrinfo`` takes no timeout, so it runs on a worker thread that is left to finish
    on its own when it is too slow (the thread ends when the system resolver gives up).
    """
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kabar-dns")
    try:
        return list(pool.submit(ssrf.system_resolver, host, port).result(timeout=timeout))
    except concurrent.futures.TimeoutError as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: no answer within {timeout:g} s") from exc
    finally:
        pool.shutdown(wait=False)


def check_location(
    kind: str, url: str, *, allow_private: bool, resolver: ssrf.Resolver | None = None
) -> LocationCheck:
    """Check ``url`` for a source of ``kind`` as the fetcher would; raise ``LocationError`` if it cannot be saved.

    Web kinds must be http(s) URLs with a host whose addresses the fetch guard accepts
    (with ``allow_private`` when private access is approved in the same save). A host
    that does not resolve now is accepted with a warning: the admin may be offline or
    DNS may hiccup, and the poll checks the addresses again where it connects, so
    accepting it opens nothing. File kinds must name an existing path on the server.
    """
    url = url.strip()
    if kind not in WEB_KINDS:
        path = local_path(url)
        if path is None or not path.exists():
            raise LocationError(gettext("No such file or folder on the server: %(path)s") % {"path": url})
        return LocationCheck()
    guard = ssrf.AddressGuard.build(allow_private=allow_private, resolver=resolver or resolve_with_timeout)
    try:
        guard.check_url(url)
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        host = parts.hostname or ""
    except ValueError as exc:  # an unbalanced "[" or a port that is not a number
        raise LocationError(gettext("Not a valid URL: %(error)s") % {"error": exc}) from exc
    except FetchRefused as exc:
        raise LocationError(_refusal_message(url, exc.reason, allow_private=allow_private)) from exc
    try:
        guard.resolve(host, port)
    except FetchRefused as exc:
        raise LocationError(_refusal_message(url, exc.reason, allow_private=allow_private)) from exc
    except httpcore.ConnectError as exc:
        return LocationCheck(
            warnings=[
                gettext(
                    "%(error)s. Saved anyway; the poll checks the host's addresses again when it connects."
                )
                % {"error": exc}
            ]
        )
    return LocationCheck()


def _refusal_message(url: str, reason: str, *, allow_private: bool) -> str:
    reason = reason.removeprefix("refused: ")
    parsed = urlsplit(url)
    if parsed.scheme.lower() not in ssrf.ALLOWED_SCHEMES:
        return gettext(
            "Enter an http:// or https:// URL: the scheme %(scheme)s is not accepted "
            "for a feed, sitemap or single URL."
        ) % {"scheme": repr(parsed.scheme or "(none)")}
    if not parsed.hostname:
        return gettext("Enter a full URL with a host, such as https://example.org/rss.xml (%(reason)s).") % {
            "reason": reason
        }
    if allow_private or "metadata" in reason:
        return gettext("The fetcher refuses this address: %(reason)s.") % {"reason": reason}
    return gettext(
        "The fetcher refuses this address: %(reason)s. Only a superuser can approve private "
        "addresses for a source, by ticking “Allow private addresses” in this form."
    ) % {"reason": reason}
