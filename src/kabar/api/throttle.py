"""Rate limits: per API key for keyed calls, per client address for anonymous ones; 429 + Retry-After.

Django Ninja's sliding-window throttle, kept in Django's cache, with two changes: the rate is
read from the settings at each request (``API_RATE_KEY``, ``API_RATE_ANONYMOUS``, from
``KABAR_API_RATE_*``), and the client address is the one ``kabar.conf.security.client_ip``
trusts (X-Forwarded-For only behind ``KABAR_PROXY_COUNT`` proxies) — Ninja's own default
believes any X-Forwarded-For, which would let a client pick a fresh address per request.

The cache is per process unless a shared one is configured: with several server processes,
each one counts on its own (the limit is then per process).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from kabar.api.auth import principal
from kabar.conf.security import client_ip


class ApiRateThrottle(SimpleRateThrottle):
    cache_format = "kabar-api-rate:%(ident)s"

    def __init__(self) -> None:
        # The rate is chosen per request (keyed or anonymous), not once here.
        self.rate = None
        self.num_requests, self.duration = None, None

    def allow_request(self, request: HttpRequest) -> bool:
        caller = principal(request)
        rate: str | None = settings.API_RATE_ANONYMOUS if caller.anonymous else settings.API_RATE_KEY
        if not rate:
            return True
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        caller = principal(request)
        if caller.key is not None:
            return self.cache_format % {"ident": f"key:{caller.key.pk}"}
        address = client_ip(request)
        return self.cache_format % {"ident": f"ip:{address}"} if address else None
