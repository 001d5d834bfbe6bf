"""Stored reader pages answered at the WSGI level, before Django's request handler.

A page-cache hit through Django costs about 90 µs of Python per request on this project's
machine: the handler (signals, request object, middleware chain, response object with its
header checks, WSGI conversion) takes about two thirds of it, the look-up itself (``store.lookup``)
the rest. ``StoredPages`` wraps the WSGI application that ``kabar serve`` runs and answers a
plain hit itself: the same key (``store.page_key``), the same look-up and validity check, the
stored headers plus the ones ``SecurityMiddleware`` adds (the only middleware outside the page
cache's), the stored body. Everything else goes to Django unchanged, where
``PageCacheMiddleware`` does the same look-up and stores pages, so a page is served the same
either way:

* anything the middleware would not look up (other methods and paths, editors' cookies, unknown
  query parameters, a host Django refuses), a request ``SecurityMiddleware`` would redirect to
  HTTPS, and a request with a non-ASCII path or a script prefix (Django decodes those);
* a conditional request (``If-None-Match`` / ``If-Modified-Since``): it is answered from the stored
  entry too, but through Django's ``get_conditional_response``, so 304s follow Django's rules.

Signals are not sent for a hit: ``request_started`` / ``request_finished`` exist to close database
connections and reset the query log, and a hit touches no database. Tests and the static publisher
use Django's test client, which does not pass here; ``tests/site/test_pagecache_wsgi.py`` checks
that both ways give the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse, HttpResponseBase, parse_cookie
from django.middleware.security import SecurityMiddleware

from kabar.pagecache import store
from kabar.pagecache.http import PERSONAL_COOKIES

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def _no_view(request: Any) -> HttpResponseBase:  # SecurityMiddleware is only asked about requests
    raise AssertionError("not called")


class StoredPages:
    """WSGI middleware: a stored, current reader page is answered here; the rest goes to ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.security = SecurityMiddleware(_no_view)
        self.prefixes = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)
        self.skipped = tuple(f"{p}{part}/" for p in self.prefixes for part in ("feeds", "search"))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self._stored(environ)
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _stored(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if (
            not settings.PAGE_CACHE["enabled"]
            or method not in ("GET", "HEAD")
            or environ.get("SCRIPT_NAME")
            or settings.FORCE_SCRIPT_NAME
            or not path.isascii()
            or not path.startswith(self.prefixes)
            or path.startswith(self.skipped)
        ):
            return None
        cookies = environ.get("HTTP_COOKIE")
        if cookies and any(name in parse_cookie(cookies) for name in PERSONAL_COOKIES):
            return None
        request = WSGIRequest(environ)
        try:
            key = store.page_key(request)
        except DisallowedHost:
            return None  # Django answers 400 and logs it
        if key is None or self.security.process_request(request) is not None:
            return None
        entry = store.lookup(key)
        if entry is None:
            return None  # a miss: Django renders it (and counts it)
        store.count("hit")
        if any(name in environ for name in _CONDITIONAL):
            response = entry.response(request)
            if response.status_code == 304:
                store.count("not_modified")
            return self._from_django(request, response, method)
        extra = self.security.process_response(request, HttpResponse())
        names = {name.lower() for name, _value in entry.headers}
        headers = [*entry.headers, *((k, v) for k, v in extra.items() if k.lower() not in names)]
        status = f"{entry.status} {HTTPStatus(entry.status).phrase}"
        return status, headers, b"" if method == "HEAD" else entry.content

    def _from_django(
        self, request: WSGIRequest, response: HttpResponseBase, method: str
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        assert isinstance(response, HttpResponse)  # a stored page or its 304, never streamed
        response = self.security.process_response(request, response)
        body = b"" if method == "HEAD" else response.content
        return f"{response.status_code} {response.reason_phrase}", list(response.items()), body
