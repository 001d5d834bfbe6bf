"""Rate limits: per API key for keyed calls, per client address for anonymous ones; 429 + Retry-After.

Django Ninja's sliding-window throttle, kept in Django's cache, with two changes: the rate is
read from the settings at each request (``API_RATE_KEY``, ``API_RATE_ANONYMOUS``, from
``KABAR_API_RATE_*``), and the client address is the one ``kabar.conf.security.client_ip``
trusts (X-Forwarded-For only behind ``KABAR_PROXY_COUNT`` proxies) — Ninja's own default
believes any X-Forwarded-For, which would let a client pick a fresh address per request.

The counts live in Django's default cache (``KABAR_CACHE``): shared by every process with the
file or Redis cache; with ``memory`` each process counts on its own. Reading and writing a count are
two cache calls, so two requests at the same instant may both pass the last free slot.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from kabar.api.auth import principal
from kabar.conf.security import client_ip


class ApiRateThrottle(SimpleRateThrottle):
    """One instance serves every request of the API, from many threads: nothing about a request
    is kept on it (Ninja's own throttle keeps the rate and the history there), only the wait of
    the current thread's last refusal, which Ninja asks for right after ``allow_request``."""

    cache_format = "kabar-api-rate:%(ident)s"

    def __init__(self) -> None:
        # The rate is chosen per request (keyed or anonymous), not once here.
        self._refused = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        caller = principal(request)
        rate: str | None = settings.API_RATE_ANONYMOUS if caller.anonymous else settings.API_RATE_KEY
        return self._allow(self.get_cache_key(request), rate)

    def allow_refused_key(self, request: HttpRequest) -> bool:
        """A request whose key was refused counts as an anonymous read of its address.

        Ninja authenticates before it throttles, so without this a 401 is never counted: keys
        could be tried, and looked up in the database, without any limit.
        """
        address = client_ip(request)
        key = self.cache_format % {"ident": f"ip:{address}"} if address else None
        return self._allow(key, settings.API_RATE_ANONYMOUS)

    def _allow(self, key: str | None, rate: str | None) -> bool:
        if not rate or key is None:
            return True
        allowed, duration = self.parse_rate(rate)
        assert allowed is not None and duration is not None
        now = time.time()
        # Newest first; only the requests still inside the window count.
        history = [t for t in self.cache.get(key, []) if t > now - duration]
        if len(history) >= allowed:
            self._refused.wait = duration - (now - history[-1])
            return False
        self.cache.set(key, [now, *history], duration)
        return True

    def wait(self) -> float | None:
        """Seconds until the oldest counted request leaves the window (Retry-After, rounded up)."""
        wait: float | None = getattr(self._refused, "wait", None)
        return wait

    def get_cache_key(self, request: HttpRequest) -> str | None:
        caller = principal(request)
        if caller.key is not None:
            return self.cache_format % {"ident": f"key:{caller.key.pk}"}
        address = client_ip(request)
        return self.cache_format % {"ident": f"ip:{address}"} if address else None


# Counts the requests whose key was refused (kabar.api.auth), in the same counters.
refused_keys = ApiRateThrottle()
