"""Stored pages answered at the WSGI level (kabar.pagecache.wsgi) equal Django's own answers."""

from __future__ import annotations

import io
import sys
from typing import Any

import pagecache_support
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from kabar.conf.wsgi import application, django_application
from kabar.pagecache import store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]
page_cache, committed, newsroom = (
    pagecache_support.page_cache,
    pagecache_support.committed,
    pagecache_support.newsroom,
)


def call(app: Any, path: str, method: str = "GET", **headers: str) -> tuple[str, dict[str, str], bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": headers.pop("query", ""),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": headers.pop("host", "testserver"),
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    got: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        got["status"], got["headers"] = status, dict(response_headers)

    # As Django's test client does: the handler's signals would close the test's database
    # connection (and its transaction) around each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(app(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return got["status"], got["headers"], body


def test_a_stored_page_is_answered_in_front_of_django_with_the_same_bytes_and_headers(newsroom):
    url = newsroom["summit_vi_url"]
    status, rendered_headers, rendered = call(application, url)  # a miss: Django renders and stores
    assert status == "200 OK"
    before = dict(store._counts.pending)
    status, headers, body = call(application, url)
    assert status == "200 OK" and body == rendered
    assert headers == rendered_headers  # the stored headers and SecurityMiddleware's, as Django sends them
    assert "nosniff" in headers["X-Content-Type-Options"] and headers["Content-Length"] == str(len(body))
    assert store._counts.pending.get("hit", 0) == before.get("hit", 0) + 1
    # Django's own path, for the same stored entry, gives the same answer.
    assert call(django_application, url)[1:] == (headers, body)


def test_head_carries_the_headers_without_the_body(newsroom):
    url = newsroom["summit_vi_url"]
    call(application, url)
    status, headers, body = call(application, url, "HEAD")
    assert status == "200 OK" and body == b"" and int(headers["Content-Length"]) > 1000


def test_a_correction_is_seen_at_once(newsroom, committed):
    url = newsroom["summit_vi_url"]
    call(application, url)
    with committed():
        newsroom["summit_vi"].title = "Bản đã đính chính"
        newsroom["summit_vi"].save()
    assert "Bản đã đính chính".encode() in call(application, url)[2]


def test_a_revalidation_gets_djangos_304(newsroom):
    url = newsroom["summit_vi_url"]
    _status, headers, _body = call(application, url)
    status, again, body = call(application, url, if_none_match=headers["ETag"])
    assert status == "304 Not Modified" and body == b""
    assert again["ETag"] == headers["ETag"] and "nosniff" in again["X-Content-Type-Options"]


def test_editors_unknown_parameters_and_hosts_go_to_django(newsroom):
    url = newsroom["summit_vi_url"]
    call(application, url)
    fast = application._stored  # None: left to Django
    base = {"REQUEST_METHOD": "GET", "SERVER_NAME": "testserver", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
    env = {**base, "PATH_INFO": url, "HTTP_HOST": "testserver", "QUERY_STRING": "", "wsgi.input": io.BytesIO()}
    assert fast(env) is not None
    assert fast({**env, "HTTP_COOKIE": "sessionid=abc"}) is None
    assert fast({**env, "QUERY_STRING": "compare=en"}) is None
    assert fast({**env, "QUERY_STRING": "utm_source=x"}) is not None  # tracking parameters are not in the key
    assert fast({**env, "HTTP_HOST": "evil.example"}) is None
    assert fast({**env, "REQUEST_METHOD": "POST"}) is None
    assert fast({**env, "PATH_INFO": "/vi/search/"}) is None
    assert call(application, url, host="evil.example")[0].startswith("400")


def test_an_https_redirect_comes_first(newsroom, settings):
    url = newsroom["summit_vi_url"]
    call(application, url)
    settings.SECURE_SSL_REDIRECT = True  # read when the servers start: a new application
    from django.core.wsgi import get_wsgi_application

    from kabar.pagecache.wsgi import StoredPages

    status, headers, _body = call(StoredPages(get_wsgi_application()), url)
    assert status.startswith("301") and headers["Location"].startswith("https://")


def test_the_same_page_through_the_test_client_and_the_wsgi_path(newsroom, client: Client):
    url = newsroom["summit_vi_url"]
    from_client = client.get(url).content
    assert call(application, url)[2] == from_client
