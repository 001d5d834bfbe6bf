"""Answer stored reader pages before the rest of the middleware stack, and keep the ones views mark.

Only GET and HEAD under a site language prefix (``/vi/…``) are looked up, and only for readers
without a session or messages cookie. A page is kept when its view was decorated with
``http.cached_page`` (which marks a 200), the response sets no cookie, does not vary on Cookie,
is not private or no-store, and is not streamed — so a page that used a CSRF token (which sets
its cookie) or the session (Vary: Cookie) is never kept.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import cc_delim_re

from kabar.pagecache import store
from kabar.pagecache.http import PERSONAL_COOKIES, Validators


def _storable(response: HttpResponseBase) -> bool:
    if not isinstance(response, HttpResponse) or response.streaming or response.cookies:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    control = {v.strip().lower().split("=")[0] for v in cc_delim_re.split(response.get("Cache-Control", ""))}
    return "cookie" not in vary and "*" not in vary and not control & {"private", "no-store"}


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)
        # Feeds answer conditional GETs themselves and search is never kept: no lookup for them.
        self.skipped = tuple(f"{p}{part}/" for p in self.prefixes for part in ("feeds", "search"))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        entry = store.lookup(key)
        if entry is not None:
            response = entry.response(request)
            store.count("hit")
            if response.status_code == 304:
                store.count("not_modified")
            return response
        store.count("miss")
        response = self.get_response(request)
        if response.status_code == 304:
            store.count("not_modified")
        found: Validators | None = getattr(response, "kabar_page", None)
        if found is not None and response.status_code == 200 and _storable(response):
            assert isinstance(response, HttpResponse)
            store.save(key, response, found.versions, found.etag, found.last_modified)
            store.count("stored")
        return response

    def _key(self, request: HttpRequest) -> str | None:
        if (
            not settings.PAGE_CACHE["enabled"]
            or request.method not in ("GET", "HEAD")
            or not request.path.startswith(self.prefixes)
            or request.path.startswith(self.skipped)
        ):
            return None
        if any(name in request.COOKIES for name in PERSONAL_COOKIES):
            store.count("bypass")
            return None
        try:
            key = store.page_key(request)  # reads the host: an unknown one is refused further in
        except DisallowedHost:
            return None
        if key is None:
            store.count("bypass")
        return key
