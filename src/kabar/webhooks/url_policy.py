"""Which URLs a webhook may be delivered to: the fetcher's SSRF policy (``kabar.core.fetch.ssrf``).

A subscription chooses where kabar sends requests, exactly as a source chooses what kabar
fetches, so the same guard applies: http(s) only, and no loopback, private, link-local or
cloud-metadata address unless private access was approved (and metadata never). It is
checked when the subscription is saved, so the admin shows a clear field error, and again
where each delivery connects (``kabar.webhooks.delivery``), against DNS rebinding.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpcore

from kabar.core.fetch import ssrf
from kabar.core.fetch.fetch_errors import FetchRefused
from kabar.news.source_policy import resolve_with_timeout

_DEFAULT_PORTS = {"http": 80, "https": 443}


class WebhookURLError(ValueError):
    """The URL cannot be subscribed; the message says why and what to do."""


# What a refusal tells the person who can do something about it: in the admin, the form's box;
# through the API there is no such box, only someone with the admin.
ADMIN_PRIVATE_HINT = (
    "Only a superuser can approve private addresses (for a local test receiver), by ticking “Allow private” "
    "in this form."
)
API_PRIVATE_HINT = (
    "Subscriptions made through the API reach public addresses only; a superuser can make one for a local "
    "test receiver in the admin (Webhooks → Subscriptions, “Allow private”)."
)


def check_webhook_url(
    url: str,
    *,
    allow_private: bool,
    resolver: ssrf.Resolver | None = None,
    private_hint: str = ADMIN_PRIVATE_HINT,
) -> list[str]:
    """Raise ``WebhookURLError`` if deliveries to ``url`` would be refused; return warnings otherwise.

    A host that does not resolve now is accepted with a warning: each delivery resolves and
    checks it again where it connects, so accepting it opens nothing.
    """
    guard = ssrf.AddressGuard.build(allow_private=allow_private, resolver=resolver or resolve_with_timeout)
    try:
        guard.check_url(url)
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        host = parts.hostname or ""
        guard.resolve(host, port)
    except ValueError as exc:  # an unbalanced "[" or a port that is not a number
        raise WebhookURLError(f"Not a valid URL: {exc}") from exc
    except FetchRefused as exc:
        message = refusal_message(url, exc.reason, allow_private=allow_private, private_hint=private_hint)
        raise WebhookURLError(message) from exc
    except httpcore.ConnectError as exc:
        return [f"{exc}. Saved anyway; each delivery checks the host's addresses again when it connects."]
    return []


def refusal_message(
    url: str, reason: str, *, allow_private: bool, private_hint: str = ADMIN_PRIVATE_HINT
) -> str:
    reason = reason.removeprefix("refused: ")
    parsed = urlsplit(url)
    if parsed.scheme.lower() not in ssrf.ALLOWED_SCHEMES:
        return f"Enter an http:// or https:// URL: the scheme {parsed.scheme or '(none)'!r} is not accepted."
    if not parsed.hostname:
        return f"Enter a full URL with a host, such as https://partner.example/kabar-hook ({reason})."
    if allow_private or "metadata" in reason:
        return f"Webhooks are not delivered to this address: {reason}."
    return f"Webhooks are not delivered to this address: {reason}. {private_hint}"
