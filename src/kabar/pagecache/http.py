"""HTTP caching of reader pages: tags, ETag and Last-Modified before rendering; Cache-Control, Surrogate-Key.

``@cached_page(tags.article_page)`` on a view:

* asks the tag function what the page depends on (at most one small query) and reads its tags'
  versions (one cache ``get_many``); the ETag is a digest of those versions and Last-Modified
  the newest of their bumps and the database's own modification time;
* lets Django's ``condition`` answer 304 (or 412) from those, without calling the view;
* otherwise renders, and marks the 200 for ``PageCacheMiddleware`` to keep with the versions read
  *before* the render (an edit committed during the render makes the entry stale at once);
* says ``Cache-Control: public, max-age, s-maxage, stale-while-revalidate`` and names the tags in
  ``Surrogate-Key`` (Fastly, Varnish) and ``Cache-Tag`` (Cloudflare).

Logged-in editors, query parameters that change the page (``?compare=``) and methods other than
GET and HEAD get ``Cache-Control: private, no-cache`` and nothing is kept. With
``KABAR_PAGE_CACHE`` off the view runs as it is, with the Cache-Control header only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

import kabar
from kabar.pagecache import store
from kabar.pagecache import versions as tag_versions
from kabar.pagecache.tags import PageTagsFunction

View = Callable[..., HttpResponseBase]
# Cookies that mean the reader is someone the page may differ for (an editor, pending messages).
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
_VALIDATORS = "_kabar_page_validators"


@dataclass(frozen=True)
class Validators:
    tags: tuple[str, ...]
    versions: dict[str, str]
    etag: str
    last_modified: float  # seconds since the epoch

    @property
    def last_modified_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.last_modified, dt.UTC)


def personal(request: HttpRequest) -> bool:
    """True for a request whose page must neither come from nor go to a shared cache."""
    return (
        request.method not in ("GET", "HEAD")
        or any(name in request.COOKIES for name in PERSONAL_COOKIES)
        or store.page_key(request) is None
    )


def validators(request: HttpRequest, tags_for: PageTagsFunction, args: Any, kwargs: Any) -> Validators | None:
    """The page's tags, versions, ETag and Last-Modified; computed once per request."""
    if hasattr(request, _VALIDATORS):
        found: Validators | None = getattr(request, _VALIDATORS)
        return found
    page = tags_for(request, *args, **kwargs)
    result = None
    if page is not None:
        versions = tag_versions.current(page.tags)
        digest = hashlib.sha256(
            json.dumps([kabar.__version__, sorted(versions.items())]).encode()
        ).hexdigest()[:32]
        newest = max((tag_versions.bumped_at(v) for v in versions.values()), default=0.0)
        if page.modified is not None:
            newest = max(newest, page.modified.timestamp())
        result = Validators(page.tags, versions, f'W/"{digest}"', newest)
    setattr(request, _VALIDATORS, result)
    return result


def public_cache_control(response: HttpResponseBase) -> None:
    config = settings.PAGE_CACHE
    patch_cache_control(
        response,
        public=True,
        max_age=config["max_age"],
        s_maxage=config["s_maxage"],
        stale_while_revalidate=config["stale_while_revalidate"],
    )


def tag_headers(response: HttpResponseBase, tags: tuple[str, ...]) -> None:
    response.headers["Surrogate-Key"] = " ".join(tags)
    response.headers["Cache-Tag"] = ",".join(tags)


def cached_page(tags_for: PageTagsFunction) -> Callable[[View], View]:
    """Decorate a reader view with its tag function (see the module docstring)."""

    def decorator(view: View) -> View:
        def etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
            found = validators(request, tags_for, args, kwargs)
            return found.etag if found else None

        def last_modified(request: HttpRequest, *args: Any, **kwargs: Any) -> dt.datetime | None:
            found = validators(request, tags_for, args, kwargs)
            return found.last_modified_at if found else None

        conditional_view = condition(etag_func=etag, last_modified_func=last_modified)(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not settings.PAGE_CACHE["enabled"]:
                response = view(request, *args, **kwargs)
                if response.status_code == 200:
                    public_cache_control(response)
                return response
            if personal(request):
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True, no_cache=True)
                return response
            response = conditional_view(request, *args, **kwargs)
            found: Validators | None = getattr(request, _VALIDATORS, None)
            if found is not None and response.status_code in (200, 304):
                public_cache_control(response)
                tag_headers(response, found.tags)
                if response.status_code == 200:
                    # PageCacheMiddleware keeps it (or not: cookies, Vary: Cookie) on the way out.
                    response.kabar_page = found  # type: ignore[attr-defined]
            return response

        return wrapped

    return decorator
